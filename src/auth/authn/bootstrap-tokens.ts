// Bootstrap tokens (node join): "<id>.<secret>" stored as Secrets `bootstrap-token-<id>` of type
// bootstrap.kubernetes.io/token in kube-system. Owns the token format, the Secret layout and the
// authenticator; it reads Secrets only through the injected getter and never writes them (the
// `k8ts token` command creates them through the API).
import { randomInt, timingSafeEqual } from 'node:crypto';
import type { KubeObject } from '../../api/object.js';
import type { TokenAuthenticator, UserInfo } from '../types.js';

export const BOOTSTRAP_TOKEN_SECRET_TYPE = 'bootstrap.kubernetes.io/token';
export const BOOTSTRAP_TOKEN_NAMESPACE = 'kube-system';
export const BOOTSTRAP_SECRET_PREFIX = 'bootstrap-token-';
export const BOOTSTRAP_USER_PREFIX = 'system:bootstrap:';
export const BOOTSTRAPPERS_GROUP = 'system:bootstrappers';
export const DEFAULT_NODE_TOKEN_GROUP = 'system:bootstrappers:k8ts:default-node-token';

const TOKEN_RE = /^([a-z0-9]{6})\.([a-z0-9]{16})$/;
const GROUP_RE = /^system:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]$/;
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

export interface BootstrapToken {
  id: string;
  secret: string;
}

export function parseBootstrapToken(token: string): BootstrapToken | undefined {
  const m = TOKEN_RE.exec(token);
  return m ? { id: m[1]!, secret: m[2]! } : undefined;
}

export function formatBootstrapToken(t: BootstrapToken): string {
  return `${t.id}.${t.secret}`;
}

function randomString(n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += ALPHABET[randomInt(ALPHABET.length)];
  return s;
}

export function generateBootstrapToken(): BootstrapToken {
  return { id: randomString(6), secret: randomString(16) };
}

export interface BootstrapSecretOptions {
  /** Lifetime in seconds; 0 or undefined: never expires. */
  ttlSeconds?: number;
  description?: string;
  /** Extra groups (each must match system:bootstrappers:...); default the k8ts node-token group. */
  groups?: string[];
  /** Also usable for signing the cluster-info ConfigMap (kubeadm's usage-bootstrap-signing). */
  signing?: boolean;
  now?: Date;
}

/** The Secret that stores a bootstrap token (data base64, as the API serves it). */
export function bootstrapTokenSecret(t: BootstrapToken, o: BootstrapSecretOptions = {}): KubeObject {
  const groups = o.groups?.length ? o.groups : [DEFAULT_NODE_TOKEN_GROUP];
  for (const g of groups) if (!GROUP_RE.test(g)) throw new Error(`invalid bootstrap token group "${g}": must match ${GROUP_RE.source}`);
  const plain: Record<string, string> = {
    'token-id': t.id,
    'token-secret': t.secret,
    'usage-bootstrap-authentication': 'true',
    'auth-extra-groups': groups.join(','),
  };
  if (o.signing) plain['usage-bootstrap-signing'] = 'true';
  if (o.description) plain.description = o.description;
  if (o.ttlSeconds) plain.expiration = new Date((o.now ?? new Date()).getTime() + o.ttlSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const data: Record<string, string> = {};
  for (const [k, v] of Object.entries(plain)) data[k] = Buffer.from(v).toString('base64');
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: BOOTSTRAP_SECRET_PREFIX + t.id, namespace: BOOTSTRAP_TOKEN_NAMESPACE },
    type: BOOTSTRAP_TOKEN_SECRET_TYPE,
    data,
  } as KubeObject;
}

/** Reads a Secret's value (data is base64; stringData only on objects not yet stored). */
function secretValue(s: any, key: string): string | undefined {
  const d = s.data?.[key];
  if (typeof d === 'string') return Buffer.from(d, 'base64').toString('utf8');
  const sd = s.stringData?.[key];
  return typeof sd === 'string' ? sd : undefined;
}

function constantTimeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The user a token authenticates as, or undefined (pure: the Secret and the time decide). */
export function bootstrapUser(token: string, secret: KubeObject | undefined, now: Date): UserInfo | undefined {
  const t = parseBootstrapToken(token);
  if (!t || !secret) return undefined;
  const s = secret as any;
  if (s.type !== BOOTSTRAP_TOKEN_SECRET_TYPE || secret.metadata.name !== BOOTSTRAP_SECRET_PREFIX + t.id) return undefined;
  if (secret.metadata.deletionTimestamp) return undefined;
  const id = secretValue(s, 'token-id');
  const sec = secretValue(s, 'token-secret');
  if (id !== t.id || sec === undefined || !constantTimeEqual(sec, t.secret)) return undefined;
  const exp = secretValue(s, 'expiration');
  if (exp) {
    const at = Date.parse(exp);
    if (Number.isNaN(at) || now.getTime() >= at) return undefined;
  }
  if (secretValue(s, 'usage-bootstrap-authentication') !== 'true') return undefined;
  const extra = (secretValue(s, 'auth-extra-groups') ?? '').split(',').map((g) => g.trim()).filter(Boolean);
  if (extra.some((g) => !GROUP_RE.test(g))) return undefined;
  return { username: BOOTSTRAP_USER_PREFIX + t.id, groups: [BOOTSTRAPPERS_GROUP, ...extra.filter((g) => g !== BOOTSTRAPPERS_GROUP), 'system:authenticated'] };
}

/** Authenticates bootstrap tokens against their Secrets (getSecret: kube-system Secret by name). */
export function bootstrapTokenAuthenticator(getSecret: (namespace: string, name: string) => Promise<KubeObject | undefined>, now: () => Date = () => new Date()): TokenAuthenticator {
  return async (token) => {
    const t = parseBootstrapToken(token);
    if (!t) return null;
    const secret = await getSecret(BOOTSTRAP_TOKEN_NAMESPACE, BOOTSTRAP_SECRET_PREFIX + t.id);
    return bootstrapUser(token, secret, now()) ?? null;
  };
}
