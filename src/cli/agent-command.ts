// `k8ts agent`: runs a node agent (containerd, CRI, kubelet) that joins a running server.
// Parses flags and runs startAgent until SIGINT/SIGTERM; `--cleanup` removes the host
// networking an agent installed and exits.
import { hostname, homedir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import pino from 'pino';
import { kubeconfigToConfig, type HttpKubeClientConfig } from '../client/http-client.js';
import { cleanupAgentNetworking, startAgent } from '../agent/agent.js';
import { primaryIPv4 } from '../agent/node-ip.js';

export const AGENT_USAGE = `Usage: k8ts agent --server URL --kubeconfig PATH [flags]

Runs a node: a supervised containerd, the CRI client and a kubelet registered with the server.

Flags:
  --server URL                     API server URL (overrides the kubeconfig's)
  --token TOKEN                    bootstrap token (not supported yet: use --kubeconfig)
  --kubeconfig PATH                credentials for the node (e.g. the server's admin kubeconfig)
  --node-name NAME                 node name (default: the host name)
  --node-ip IP                     node address (default: the host's primary IPv4 address)
  --data-dir DIR                   state directory (default /var/lib/k8ts as root, ~/.k8ts otherwise)
  --container-runtime-endpoint S   use this CRI socket instead of starting containerd
  --pod-cidr CIDR                  this node's pod range (default: assigned from 10.42.0.0/16)
  --cluster-cidr CIDR              cluster pod range (default 10.42.0.0/16)
  --service-cidr CIDR              Service IP range (default 10.43.0.0/16)
  --cluster-dns IP                 cluster DNS address for pods (default 10.43.0.10)
  --cleanup                        remove the routes and pod bridge an agent installed, then exit
  --log-level LEVEL                trace|debug|info|warn|error (default info)
`;

function defaultDataDir(): string {
  return process.getuid?.() === 0 ? '/var/lib/k8ts' : join(homedir(), '.k8ts');
}

/** Client configuration from the flags: a kubeconfig, optionally with its server or token overridden. */
export function agentClientConfig(v: { server?: string; token?: string; kubeconfig?: string }): HttpKubeClientConfig {
  if (!v.kubeconfig) {
    throw new Error(
      v.token
        ? 'k8ts agent: joining with a bootstrap --token is not supported yet; pass --kubeconfig with node credentials'
        : 'k8ts agent: --kubeconfig is required',
    );
  }
  const config = kubeconfigToConfig(readFileSync(v.kubeconfig, 'utf8'));
  if (v.server) config.server = v.server;
  if (v.token) {
    // A token replaces the kubeconfig's user; the kubeconfig still supplies the cluster CA.
    delete config.certPem;
    delete config.keyPem;
    config.token = v.token;
  }
  return config;
}

export async function agentCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      server: { type: 'string' },
      token: { type: 'string' },
      kubeconfig: { type: 'string' },
      'node-name': { type: 'string' },
      'node-ip': { type: 'string' },
      'data-dir': { type: 'string' },
      'container-runtime-endpoint': { type: 'string' },
      'pod-cidr': { type: 'string' },
      'cluster-cidr': { type: 'string', default: '10.42.0.0/16' },
      'service-cidr': { type: 'string', default: '10.43.0.0/16' },
      'cluster-dns': { type: 'string', default: '10.43.0.10' },
      cleanup: { type: 'boolean', default: false },
      'log-level': { type: 'string', default: 'info' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(AGENT_USAGE);
    return;
  }
  if (values.cleanup) {
    await cleanupAgentNetworking({ clusterCIDR: values['cluster-cidr'], serviceCIDR: values['service-cidr'] });
    process.stdout.write('removed the agent\'s routes and pod bridge\n');
    return;
  }
  const logger = pino({ level: values['log-level'] }, pino.destination(2));
  const serverClientConfig = agentClientConfig({
    server: values.server,
    token: values.token,
    kubeconfig: values.kubeconfig ?? process.env.KUBECONFIG,
  });
  const ac = new AbortController();
  const stop = (sig: string) => {
    if (ac.signal.aborted) process.exit(1);
    logger.info({ signal: sig }, 'stopping the node agent');
    ac.abort();
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  const agent = await startAgent(
    {
      dataDir: values['data-dir'] ?? defaultDataDir(),
      nodeName: values['node-name'] ?? hostname().toLowerCase(),
      nodeIP: values['node-ip'] ?? primaryIPv4(),
      serverClientConfig,
      containerRuntimeEndpoint: values['container-runtime-endpoint'],
      podCIDR: values['pod-cidr'],
      clusterCIDR: values['cluster-cidr'],
      serviceCIDR: values['service-cidr'],
      clusterDNS: values['cluster-dns'],
      logger,
    },
    ac.signal,
  );
  logger.info({ criSocket: agent.criSocket }, 'node agent running');
  void agent.registered.then((node) => logger.info({ podCIDR: node.podCIDR }, 'node registered'));
  await agent.done;
  process.exit(0);
}
