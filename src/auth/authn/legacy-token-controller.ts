// Tokens controller (upstream's "serviceaccount-token"): fills Secrets of type
// kubernetes.io/service-account-token with a long-lived token, ca.crt and namespace, and deletes
// such Secrets whose ServiceAccount is gone. It runs where the signing key is (the control plane)
// and writes only those Secrets; it never creates ServiceAccounts or Secrets.
import type { KubeObject } from '../../api/object.js';
import { R } from '../../client/resources.js';
import { isConflict, isNotFound } from '../../client/types.js';
import type { InformerStore } from '../../client/informer-types.js';
import { WorkQueue } from '../../client/workqueue.js';
import type { Controller, ControllerDeps, ControllerDescriptor } from '../../controllers/types.js';
import type { ServiceAccountTokens } from './service-account-tokens.js';

export const SA_TOKEN_SECRET_TYPE = 'kubernetes.io/service-account-token';
export const SA_NAME_ANNOTATION = 'kubernetes.io/service-account.name';
export const SA_UID_ANNOTATION = 'kubernetes.io/service-account.uid';

export interface LegacyTokenOptions {
  tokens: ServiceAccountTokens;
  caPem: string;
}

type Plan = { action: 'none' } | { action: 'delete' } | { action: 'fill'; secret: KubeObject };

/** What to do with a token Secret given its ServiceAccount (pure apart from signing). */
export function planTokenSecret(secret: KubeObject, sa: KubeObject | undefined, o: LegacyTokenOptions): Plan {
  const s = secret as any;
  if (s.type !== SA_TOKEN_SECRET_TYPE || secret.metadata.deletionTimestamp) return { action: 'none' };
  const ann = secret.metadata.annotations ?? {};
  const wantUid = ann[SA_UID_ANNOTATION];
  if (!sa || (wantUid && wantUid !== sa.metadata.uid)) return { action: 'delete' };
  const data = s.data ?? {};
  if (data.token && data['ca.crt'] && data.namespace) return { action: 'none' };
  const ns = secret.metadata.namespace!;
  const next = structuredClone(secret) as any;
  next.metadata.annotations = { ...ann, [SA_UID_ANNOTATION]: sa.metadata.uid };
  const b64 = (v: string) => Buffer.from(v).toString('base64');
  next.data = {
    ...data,
    token: data.token ?? b64(o.tokens.issueLegacy({ namespace: ns, serviceAccountName: sa.metadata.name!, serviceAccountUID: sa.metadata.uid!, secretName: secret.metadata.name! })),
    'ca.crt': data['ca.crt'] ?? b64(o.caPem),
    namespace: data.namespace ?? b64(ns),
  };
  return { action: 'fill', secret: next };
}

export class LegacyTokenController implements Controller {
  private readonly queue = new WorkQueue(5, 30_000);

  constructor(private readonly deps: ControllerDeps, private readonly o: LegacyTokenOptions) {}

  async run(signal: AbortSignal): Promise<void> {
    const { informers } = this.deps;
    const secrets = informers.informerFor(R.secrets, { fieldSelector: `type=${SA_TOKEN_SECRET_TYPE}` });
    const accounts = informers.informerFor(R.serviceaccounts);
    const key = (o: KubeObject) => `${o.metadata.namespace}/${o.metadata.name}`;
    secrets.addEventHandler({ onAdd: (s) => this.queue.add(key(s)), onUpdate: (_o, s) => this.queue.add(key(s)) });
    accounts.addEventHandler({
      onDelete: (sa) => {
        for (const s of secrets.store.list()) {
          if (s.metadata.namespace === sa.metadata.namespace && s.metadata.annotations?.[SA_NAME_ANNOTATION] === sa.metadata.name) this.queue.add(key(s));
        }
      },
      onAdd: (sa) => {
        for (const s of secrets.store.list()) {
          if (s.metadata.namespace === sa.metadata.namespace && s.metadata.annotations?.[SA_NAME_ANNOTATION] === sa.metadata.name) this.queue.add(key(s));
        }
      },
    });
    signal.addEventListener('abort', () => this.queue.shutdown(), { once: true });
    await informers.waitForSync(signal);
    for (;;) {
      const k = await this.queue.get();
      if (k === undefined) return;
      try {
        await this.sync(k, secrets.store, accounts.store);
        this.queue.forget(k);
      } catch (err) {
        if (!isNotFound(err)) {
          if (!isConflict(err)) this.deps.logger.warn({ err, secret: k }, 'service account token secret sync failed');
          this.queue.addRateLimited(k);
        }
      } finally {
        this.queue.done(k);
      }
    }
  }

  private async sync(key: string, secrets: InformerStore, accounts: InformerStore): Promise<void> {
    const secret = secrets.get(key);
    if (!secret) return;
    const ns = secret.metadata.namespace!;
    const saName = secret.metadata.annotations?.[SA_NAME_ANNOTATION] ?? '';
    let sa = accounts.get(`${ns}/${saName}`);
    let plan = planTokenSecret(secret, sa, this.o);
    if (plan.action === 'delete') {
      // The cache may lag a just-created ServiceAccount: only a live read may condemn the Secret.
      sa = await this.deps.client.get(R.serviceaccounts, ns, saName).catch((e) => (isNotFound(e) ? undefined : Promise.reject(e)));
      plan = planTokenSecret(secret, sa, this.o);
    }
    if (plan.action === 'delete') await this.deps.client.delete(R.secrets, ns, secret.metadata.name!, { preconditions: { uid: secret.metadata.uid } });
    else if (plan.action === 'fill') await this.deps.client.update(R.secrets, ns, plan.secret);
  }
}

/** The controller manager's descriptor; needs the signing key, so it runs in the control plane. */
export function legacyTokenDescriptorWith(o: LegacyTokenOptions): ControllerDescriptor {
  return { name: 'serviceaccount-token', create: (deps) => new LegacyTokenController(deps, o) };
}
