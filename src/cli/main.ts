// `k8ts` command line: parses flags and starts the requested process. Flag definitions live
// here; the components they start live in their own folders.
import { parseArgs } from 'node:util';
import { homedir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { startControlPlane } from '../controlplane/control-plane.js';
import { simCommand } from './sim-command.js';

const USAGE = `Usage: k8ts <command> [flags]

Commands:
  server    Run a control plane (API server with its datastore), and by default a node agent
  sim       Run simulated nodes against a server (--server URL --kubeconfig PATH --count N)

Server flags:
  --data-dir DIR             state directory (default /var/lib/k8ts as root, ~/.k8ts otherwise)
  --https-port PORT          API server port (default 6443)
  --bind-address ADDR        address to listen on (default 0.0.0.0)
  --tls-san NAME             extra name or IP for the serving certificate (repeatable)
  --datastore-endpoint URL   etcd://host:port[,host:port...] (default: SQLite in the data dir)
  --service-cidr CIDR        Service IP range (default 10.43.0.0/16)
  --cluster-cidr CIDR        Pod IP range (default 10.42.0.0/16)
  --no-agent                 run the control plane only
  --sim-nodes N              register N simulated nodes (pods run without containers)
  --log-level LEVEL          trace|debug|info|warn|error (default info)
`;

function defaultDataDir(): string {
  return process.getuid?.() === 0 ? '/var/lib/k8ts' : join(homedir(), '.k8ts');
}

export async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'server':
      return server(rest);
    case 'sim':
      return simCommand(rest);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return;
    default:
      process.stderr.write(`unknown command "${command}"\n\n${USAGE}`);
      process.exitCode = 2;
  }
}

async function server(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      'data-dir': { type: 'string' },
      'https-port': { type: 'string', default: '6443' },
      'bind-address': { type: 'string', default: '0.0.0.0' },
      'tls-san': { type: 'string', multiple: true, default: [] },
      'datastore-endpoint': { type: 'string' },
      'service-cidr': { type: 'string', default: '10.43.0.0/16' },
      'cluster-cidr': { type: 'string', default: '10.42.0.0/16' },
      'no-agent': { type: 'boolean', default: false },
      'sim-nodes': { type: 'string' },
      'log-level': { type: 'string', default: 'info' },
    },
    strict: true,
  });
  const logger = pino({ level: values['log-level'] }, pino.destination(2));
  const dataDir = values['data-dir'] ?? defaultDataDir();
  const port = Number(values['https-port']);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid --https-port ${values['https-port']}`);
  const ac = new AbortController();
  let stopping = false;
  const stop = (sig: string) => {
    if (stopping) process.exit(1);
    stopping = true;
    logger.info({ signal: sig }, 'shutting down');
    ac.abort();
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  const cp = await startControlPlane(
    {
      dataDir,
      httpsPort: port,
      bindAddress: values['bind-address']!,
      tlsSans: values['tls-san'] as string[],
      datastoreEndpoint: values['datastore-endpoint'],
      simNodes: values['sim-nodes'] ? Number(values['sim-nodes']) : 0,
      serviceCidr: values['service-cidr']!,
      logger,
    },
    ac.signal,
  );
  process.stdout.write(
    `k8ts API server is ready at ${cp.url}\n` +
      `Admin kubeconfig written to ${cp.kubeconfigPath}\n` +
      `Use it with:\n  export KUBECONFIG=${cp.kubeconfigPath}\n  kubectl get nodes\n`,
  );
  await cp.done;
  process.exit(0);
}
