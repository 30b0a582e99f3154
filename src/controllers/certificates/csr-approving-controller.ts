// CSR approving controller (upstream's "csrapproving"): auto-approves kubelet client certificate
// requests when a SubjectAccessReview says the requester may — certificatesigningrequests/
// nodeclient for a joining node (bootstrap token), selfnodeclient for a node renewing its own
// identity. Two k8ts policies (agent-policy.ts) add: a node's kubelet serving certificate for
// the addresses its Node reports, and client certificates for the fixed list of agent
// components a node runs. It only adds the Approved condition; signing is csrsigning's job.
import { rfc3339 } from '../../apiserver/context.js';
import type { KubeClient } from '../../client/types.js';
import { isNotFound } from '../../client/types.js';
import type { InformerStore } from '../../client/informer-types.js';
import { WorkQueue } from '../../client/workqueue.js';
import type { Controller, ControllerDeps, ControllerDescriptor } from '../types.js';
import { processQueue } from '../process-queue.js';
import type { KubeObject } from '../../api/object.js';
import { R } from '../../client/resources.js';
import { CSR_GVR, hasCondition, isFinished, KUBELET_CLIENT_SIGNER, kubeletClientProblems, parseCsrRequest, withCondition, type Csr } from './csr.js';
import { agentPolicyDecision, isAgentPolicySigner } from './agent-policy.js';

const RETRY_MS = 1_000;
const SAR_GVR = { group: 'authorization.k8s.io', version: 'v1', resource: 'subjectaccessreviews' };

export function awaitsApproval(csr: Csr): boolean {
  const signer = csr.spec?.signerName;
  return (signer === KUBELET_CLIENT_SIGNER || isAgentPolicySigner(signer)) && !hasCondition(csr, 'Approved') && !isFinished(csr);
}

/** Which permission would let the requester have this CSR approved (undefined: not ours to approve). */
export async function approvalPermission(csr: Csr): Promise<{ subresource: 'nodeclient' | 'selfnodeclient'; message: string } | undefined> {
  if (!awaitsApproval(csr) || csr.spec.signerName !== KUBELET_CLIENT_SIGNER) return undefined;
  let parsed;
  try {
    parsed = await parseCsrRequest(csr.spec);
  } catch {
    return undefined;
  }
  if (kubeletClientProblems(parsed, csr.spec.usages ?? []).length) return undefined;
  if (csr.spec.username === parsed.commonName) return { subresource: 'selfnodeclient', message: 'Auto approving self kubelet client certificate after SubjectAccessReview.' };
  return { subresource: 'nodeclient', message: 'Auto approving kubelet client certificate after SubjectAccessReview.' };
}

async function allowed(client: KubeClient, csr: Csr, subresource: string): Promise<boolean> {
  const review = await client.create(SAR_GVR, '', {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SubjectAccessReview',
    metadata: {},
    spec: {
      user: csr.spec.username,
      uid: csr.spec.uid,
      groups: csr.spec.groups,
      extra: csr.spec.extra,
      resourceAttributes: { group: 'certificates.k8s.io', resource: 'certificatesigningrequests', verb: 'create', subresource },
    },
  } as any);
  return (review as any).status?.allowed === true;
}

export class CsrApprovingController implements Controller {
  private readonly queue = new WorkQueue(5, 30_000);
  private nodes?: InformerStore<KubeObject>;

  constructor(private readonly deps: ControllerDeps) {}

  async run(signal: AbortSignal): Promise<void> {
    const { informers } = this.deps;
    const csrs = informers.informerFor<Csr>(CSR_GVR);
    this.nodes = informers.informerFor<KubeObject>(R.nodes).store;
    const enqueue = (c: Csr) => {
      if (awaitsApproval(c)) this.queue.add(c.metadata.name!);
    };
    csrs.addEventHandler({ onAdd: enqueue, onUpdate: (_o, c) => enqueue(c) });
    signal.addEventListener('abort', () => this.queue.shutdown(), { once: true });
    await informers.waitForSync(signal);
    await processQueue(this.queue, (key) => this.sync(key, csrs.store), (err, key) => {
      if (!isNotFound(err)) this.deps.logger.warn({ err, csr: key }, 'approving certificate request failed');
    });
  }

  /** Approves the CSR if a rule allows it; a positive result asks to look again after that many ms. */
  private async sync(name: string, store: InformerStore<Csr>): Promise<number | void> {
    const csr = store.get(name);
    if (!csr) return;
    let message: string;
    if (isAgentPolicySigner(csr.spec.signerName)) {
      const d = await agentPolicyDecision(csr, (name) => this.nodes?.get(name));
      // The Node may not have reported its addresses yet: look again shortly.
      if (d.retry) return RETRY_MS;
      if (!d.approve) return;
      message = d.approve;
    } else {
      const perm = await approvalPermission(csr);
      if (!perm || !(await allowed(this.deps.client, csr, perm.subresource))) return;
      message = perm.message;
    }
    const t = rfc3339(this.deps.clock.now());
    const next = withCondition(csr, { type: 'Approved', status: 'True', reason: 'AutoApproved', message, lastUpdateTime: t, lastTransitionTime: t });
    await this.deps.client.update(CSR_GVR, '', next, { subresource: 'approval' });
  }
}

export const csrApprovingControllerDescriptor: ControllerDescriptor = {
  name: 'csrapproving',
  create: (deps) => new CsrApprovingController(deps),
};
