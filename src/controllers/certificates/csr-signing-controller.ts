// CSR signing controller (upstream's "csrsigning"): signs approved CertificateSigningRequests for
// the kube-apiserver-client, kube-apiserver-client-kubelet and kubelet-serving signers with the cluster CA, writing
// status.certificate through the status subresource, or a Failed condition when the request does
// not meet the signer's rules. It never approves or denies (that is csrapproving's or a user's).
import type { CertificateAuthority } from '../../pki/ca.js';
import { rfc3339 } from '../../apiserver/context.js';
import { isConflict, isNotFound } from '../../client/types.js';
import type { InformerStore } from '../../client/informer-types.js';
import { WorkQueue } from '../../client/workqueue.js';
import type { Controller, ControllerDeps, ControllerDescriptor } from '../types.js';
import { certificateWindow, CSR_GVR, hasCondition, isFinished, KUBE_APISERVER_CLIENT_SIGNER, KUBELET_CLIENT_SIGNER, KUBELET_SERVING_SIGNER, parseCsrRequest, signerProblems, withCondition, type Csr } from './csr.js';
import { signPublicKey } from './sign.js';

export const SIGNERS: ReadonlySet<string> = new Set([KUBE_APISERVER_CLIENT_SIGNER, KUBELET_CLIENT_SIGNER, KUBELET_SERVING_SIGNER]);
/** upstream --cluster-signing-duration default: one year. */
export const DEFAULT_SIGNING_TTL_SECONDS = 365 * 24 * 3600;

/** Whether this controller has work on the CSR (pure). */
export function needsSigning(csr: Csr): boolean {
  return SIGNERS.has(csr.spec?.signerName) && hasCondition(csr, 'Approved') && !isFinished(csr);
}

export interface CsrSigningOptions {
  ca: CertificateAuthority;
  /** upstream --cluster-signing-duration: the longest certificate any signer issues */
  ttlSeconds?: number;
  /** per-signer overrides of ttlSeconds (k8ts: a short kubelet client lifetime shows rotation) */
  ttlSecondsBySigner?: Record<string, number>;
}

/** The CSR with status.certificate set, or with a Failed condition (pure apart from signing). */
export async function signCsr(csr: Csr, o: CsrSigningOptions, now: Date): Promise<Csr> {
  const usages = csr.spec.usages ?? [];
  let problems: string[];
  let parsed;
  try {
    parsed = await parseCsrRequest(csr.spec);
    problems = signerProblems(csr.spec.signerName, parsed, usages);
  } catch (err) {
    problems = [`unable to parse csr: ${(err as Error).message}`];
  }
  if (problems.length || !parsed) {
    const t = rfc3339(now);
    return withCondition(csr, { type: 'Failed', status: 'True', reason: 'SignerValidationFailure', message: problems.join(', '), lastUpdateTime: t, lastTransitionTime: t });
  }
  const window = certificateWindow(csr.spec, now, o.ttlSecondsBySigner?.[csr.spec.signerName] ?? o.ttlSeconds ?? DEFAULT_SIGNING_TTL_SECONDS);
  const pem = await signPublicKey(o.ca, { publicKey: parsed.request.publicKey, subject: parsed.request.subject, sans: parsed.sans, usages, ...window });
  const next = structuredClone(csr);
  (next.status ??= {}).certificate = Buffer.from(pem).toString('base64');
  return next;
}

export class CsrSigningController implements Controller {
  private readonly queue = new WorkQueue(5, 30_000);

  constructor(private readonly deps: ControllerDeps, private readonly o: CsrSigningOptions) {}

  async run(signal: AbortSignal): Promise<void> {
    const { informers } = this.deps;
    const csrs = informers.informerFor<Csr>(CSR_GVR);
    const enqueue = (c: Csr) => {
      if (needsSigning(c)) this.queue.add(c.metadata.name!);
    };
    csrs.addEventHandler({ onAdd: enqueue, onUpdate: (_o, c) => enqueue(c) });
    signal.addEventListener('abort', () => this.queue.shutdown(), { once: true });
    await informers.waitForSync(signal);
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      try {
        await this.sync(key, csrs.store);
        this.queue.forget(key);
      } catch (err) {
        if (!isNotFound(err)) {
          if (!isConflict(err)) this.deps.logger.warn({ err, csr: key }, 'signing certificate failed');
          this.queue.addRateLimited(key);
        }
      } finally {
        this.queue.done(key);
      }
    }
  }

  private async sync(name: string, store: InformerStore<Csr>): Promise<void> {
    const csr = store.get(name);
    if (!csr || !needsSigning(csr)) return;
    const next = await signCsr(csr, this.o, this.deps.clock.now());
    await this.deps.client.update(CSR_GVR, '', next, { subresource: 'status' });
  }
}

export const CSR_SIGNING_CONTROLLER_NAME = 'csrsigning';

/** The controller manager's descriptor for a signer holding this CA. */
export function csrSigningDescriptorWith(o: CsrSigningOptions): ControllerDescriptor {
  return { name: CSR_SIGNING_CONTROLLER_NAME, create: (deps) => new CsrSigningController(deps, o) };
}

/** Alias under the descriptor's conventional name; takes the CA like csrSigningDescriptorWith. */
export const csrSigningControllerDescriptor = csrSigningDescriptorWith;
