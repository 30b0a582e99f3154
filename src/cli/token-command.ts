// `k8ts token create|list|delete`: manages bootstrap (node join) tokens through the API, as
// Secrets in kube-system. Parses flags and talks to the server; the token format and Secret
// layout belong to src/auth/authn/bootstrap-tokens.ts.
import { parseArgs } from 'node:util';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { HttpKubeClient, kubeconfigToConfig } from '../client/http-client.js';
import { formatJoinToken } from '../agent/join/join-token.js';
import { R } from '../client/resources.js';
import { BOOTSTRAP_SECRET_PREFIX, BOOTSTRAP_TOKEN_NAMESPACE, BOOTSTRAP_TOKEN_SECRET_TYPE, bootstrapTokenSecret, formatBootstrapToken, generateBootstrapToken } from '../auth/authn/bootstrap-tokens.js';

export const TOKEN_USAGE = `Usage: k8ts token <create|list|delete> [flags]

Bootstrap tokens let agents join the cluster (k8ts agent --token TOKEN).

Commands:
  create               create a token and print it
  list                 list tokens
  delete ID|TOKEN      delete a token

Flags:
  --kubeconfig PATH    admin credentials (default $KUBECONFIG, else <data-dir>/kubeconfig.yaml)
  --data-dir DIR       state directory of the server (default /var/lib/k8ts as root, ~/.k8ts otherwise)
  --ttl DURATION       lifetime, e.g. 24h, 30m; 0 never expires (create; default 24h)
  --description TEXT   human-readable note stored with the token (create)
  --groups G[,G2]      extra groups, each system:bootstrappers:... (create)
  --with-ca-hash       print the secure join form K10<sha256 of the cluster CA>::<id>.<secret>, which
                       lets the agent check the server's CA before trusting it (create)
`;

/** Go-style duration ("1h30m", "90s", "0") in seconds; undefined when malformed. */
export function parseDurationSeconds(s: string): number | undefined {
  if (s === '0') return 0;
  const re = /(\d+(?:\.\d+)?)(h|ms|m|s)/g;
  let total = 0;
  let consumed = 0;
  for (const m of s.matchAll(re)) {
    if (m.index !== consumed) return undefined;
    consumed += m[0].length;
    const n = Number(m[1]);
    total += m[2] === 'h' ? n * 3600 : m[2] === 'm' ? n * 60 : m[2] === 's' ? n : n / 1000;
  }
  return consumed === s.length && consumed > 0 ? Math.round(total) : undefined;
}

function defaultKubeconfig(dataDir: string | undefined): string {
  if (process.env.KUBECONFIG && !dataDir) return process.env.KUBECONFIG;
  const dir = dataDir ?? (process.getuid?.() === 0 ? '/var/lib/k8ts' : join(homedir(), '.k8ts'));
  return join(dir, 'kubeconfig.yaml');
}

export async function tokenCommand(args: string[], out: (s: string) => void = (s) => process.stdout.write(s)): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      kubeconfig: { type: 'string' },
      'data-dir': { type: 'string' },
      ttl: { type: 'string', default: '24h' },
      description: { type: 'string' },
      groups: { type: 'string' },
      'with-ca-hash': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  const [sub, arg] = positionals;
  if (values.help || !sub) {
    out(TOKEN_USAGE);
    return;
  }
  const kubeconfigPath = values.kubeconfig ?? defaultKubeconfig(values['data-dir']);
  const client = HttpKubeClient.fromKubeconfig(kubeconfigPath, { userAgent: 'k8ts-token/v1.32.4' });
  try {
    switch (sub) {
      case 'create': {
        const ttlSeconds = parseDurationSeconds(values.ttl!);
        if (ttlSeconds === undefined) throw new Error(`invalid --ttl ${values.ttl}: want a duration such as 24h`);
        const token = generateBootstrapToken();
        const groups = values.groups ? values.groups.split(',').map((g) => g.trim()).filter(Boolean) : undefined;
        const secret = bootstrapTokenSecret(token, { ttlSeconds, description: values.description, groups });
        await client.create(R.secrets, BOOTSTRAP_TOKEN_NAMESPACE, secret);
        const printed = formatBootstrapToken(token);
        out((values['with-ca-hash'] ? formatJoinToken(printed, kubeconfigToConfig(readFileSync(kubeconfigPath, 'utf8')).caPem) : printed) + '\n');
        return;
      }
      case 'list': {
        const list = await client.list(R.secrets, BOOTSTRAP_TOKEN_NAMESPACE, { fieldSelector: `type=${BOOTSTRAP_TOKEN_SECRET_TYPE}` });
        const rows = [['TOKEN-ID', 'EXPIRES', 'GROUPS', 'DESCRIPTION']];
        const dec = (s: any, k: string) => (s.data?.[k] ? Buffer.from(s.data[k], 'base64').toString('utf8') : '');
        for (const s of list.items as any[]) {
          if (!s.metadata.name.startsWith(BOOTSTRAP_SECRET_PREFIX)) continue;
          rows.push([dec(s, 'token-id'), dec(s, 'expiration') || '<forever>', dec(s, 'auth-extra-groups') || '<none>', dec(s, 'description') || '<none>']);
        }
        const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
        for (const r of rows) out(r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]! + 3))).join('') + '\n');
        return;
      }
      case 'delete': {
        if (!arg) throw new Error('k8ts token delete: a token id is required');
        const id = arg.split('.')[0]!;
        await client.delete(R.secrets, BOOTSTRAP_TOKEN_NAMESPACE, BOOTSTRAP_SECRET_PREFIX + id);
        out(`bootstrap token "${id}" deleted\n`);
        return;
      }
      default:
        throw new Error(`unknown token command "${sub}"\n\n${TOKEN_USAGE}`);
    }
  } finally {
    client.close();
  }
}
