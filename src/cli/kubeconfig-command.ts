// `k8ts kubeconfig --user NAME --group G`: the admin's shortcut for the CSR flow — issues a client
// certificate from the cluster CA in the data dir and writes a kubeconfig for it. Reads the CA and
// the admin kubeconfig (for the server URL); writes only the requested output file.
import { parseArgs } from 'node:util';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ensureCA, issueCertificate } from '../pki/ca.js';
import { renderKubeconfig, writeKubeconfig, type KubeconfigInput } from '../pki/kubeconfig.js';

export const KUBECONFIG_USAGE = `Usage: k8ts kubeconfig --user NAME [--group G ...] [flags]

Writes a kubeconfig for a new user, with a client certificate signed by the cluster CA
(CN = user, O = groups). What the user may do is up to RBAC.

Flags:
  --user NAME          user name (required)
  --group G            group (repeatable)
  --out FILE           where to write (default: standard output)
  --data-dir DIR       state directory of the server (default /var/lib/k8ts as root, ~/.k8ts otherwise)
  --server URL         API server URL (default: the one in <data-dir>/kubeconfig.yaml)
  --days N             certificate lifetime in days (default 365)
`;

function serverFromAdminKubeconfig(dataDir: string): string | undefined {
  const file = join(dataDir, 'kubeconfig.yaml');
  if (!existsSync(file)) return undefined;
  const k = parseYaml(readFileSync(file, 'utf8')) as any;
  return k?.clusters?.[0]?.cluster?.server;
}

export async function kubeconfigCommand(args: string[], out: (s: string) => void = (s) => process.stdout.write(s)): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      user: { type: 'string' },
      group: { type: 'string', multiple: true, default: [] },
      out: { type: 'string' },
      'data-dir': { type: 'string' },
      server: { type: 'string' },
      days: { type: 'string', default: '365' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    out(KUBECONFIG_USAGE);
    return;
  }
  const user = values.user;
  if (!user) throw new Error(`k8ts kubeconfig: --user is required\n\n${KUBECONFIG_USAGE}`);
  const days = Number(values.days);
  if (!Number.isInteger(days) || days < 1) throw new Error(`invalid --days ${values.days}`);
  const dataDir = values['data-dir'] ?? (process.getuid?.() === 0 ? '/var/lib/k8ts' : join(homedir(), '.k8ts'));
  const server = values.server ?? serverFromAdminKubeconfig(dataDir);
  if (!server) throw new Error(`k8ts kubeconfig: no --server given and no ${join(dataDir, 'kubeconfig.yaml')} to read it from`);
  const tlsDir = join(dataDir, 'tls');
  // Refuse to mint a fresh CA: a kubeconfig signed by a CA the server does not trust is useless.
  if (!existsSync(join(tlsDir, 'cluster-ca.crt'))) throw new Error(`k8ts kubeconfig: no cluster CA in ${tlsDir}; start the server first or pass --data-dir`);
  const ca = await ensureCA(tlsDir, 'cluster-ca');
  const groups = values.group as string[];
  const cert = await issueCertificate(ca, { commonName: user, organizations: groups, client: true, validDays: days });
  const k: KubeconfigInput = { server, caPem: ca.certPem, clientCertPem: cert.certPem, clientKeyPem: cert.keyPem, user, cluster: 'default' };
  if (values.out) {
    writeKubeconfig(values.out, k);
    out(`kubeconfig for user "${user}"${groups.length ? ` (groups ${groups.join(', ')})` : ''} written to ${values.out}\n`);
  } else out(renderKubeconfig(k));
}
