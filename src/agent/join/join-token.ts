// The join token an agent is given (pure): k3s' secure form `K10<sha256 of the cluster CA>::<id>.<secret>`
// pins the CA the agent will trust; a bare bootstrap token `<id>.<secret>` trusts the first CA
// the server shows (k3s calls that an insecure token and warns). Only the `<id>.<secret>` part is
// ever sent to the server.
import { createHash } from 'node:crypto';

export interface JoinToken {
  /** the bootstrap token, `<id>.<secret>` */
  bootstrapToken: string;
  /** hex sha256 of the CA bundle (PEM bytes) the server must present, when the token pins one */
  caHash?: string;
}

const BOOTSTRAP_TOKEN = /^[a-z0-9]{6}\.[a-z0-9]{16}$/;

export function parseJoinToken(token: string): JoinToken {
  const t = token.trim();
  const secure = /^K10([0-9a-f]{64})::(.+)$/.exec(t);
  const bootstrapToken = secure ? secure[2]! : t;
  if (!BOOTSTRAP_TOKEN.test(bootstrapToken)) {
    throw new Error('invalid join token: want K10<ca-hash>::<id>.<secret> or <id>.<secret> as printed by `k8ts token create`');
  }
  return secure ? { bootstrapToken, caHash: secure[1]! } : { bootstrapToken };
}

export function caHash(caPem: string): string {
  // Trailing whitespace differs between a kubeconfig's copy and the ConfigMap's; the certificates do not.
  return createHash('sha256').update(caPem.trim() + '\n').digest('hex');
}

/** The secure join token for a bootstrap token and the cluster CA. */
export function formatJoinToken(bootstrapToken: string, caPem: string): string {
  return `K10${caHash(caPem)}::${bootstrapToken}`;
}
