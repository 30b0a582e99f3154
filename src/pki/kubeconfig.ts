// Writes kubeconfig files (the format kubectl and client libraries read).
import { stringify } from 'yaml';
import { writeFileSync } from 'node:fs';

export interface KubeconfigInput {
  server: string;
  caPem: string;
  clientCertPem?: string;
  clientKeyPem?: string;
  token?: string;
  user?: string;
  cluster?: string;
}

export function renderKubeconfig(k: KubeconfigInput): string {
  const cluster = k.cluster ?? 'default';
  const user = k.user ?? 'default';
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const userEntry: Record<string, string> = {};
  if (k.clientCertPem) userEntry['client-certificate-data'] = b64(k.clientCertPem);
  if (k.clientKeyPem) userEntry['client-key-data'] = b64(k.clientKeyPem);
  if (k.token) userEntry.token = k.token;
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: cluster, cluster: { server: k.server, 'certificate-authority-data': b64(k.caPem) } }],
    users: [{ name: user, user: userEntry }],
    contexts: [{ name: cluster, context: { cluster, user } }],
    'current-context': cluster,
    preferences: {},
  });
}

export function writeKubeconfig(path: string, k: KubeconfigInput): void {
  writeFileSync(path, renderKubeconfig(k), { mode: 0o600 });
}
