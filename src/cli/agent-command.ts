// `k8ts agent`: runs a node agent (containerd, CRI, kubelet) that joins a running server, either
// with a join token (src/agent/join/: the node's own certificates, renewed as they age) or with
// a given kubeconfig. Parses flags and runs startAgent until SIGINT/SIGTERM; `--cleanup` removes
// the host networking an agent installed and exits.
import { hostname, homedir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import pino from 'pino';
import { kubeconfigToConfig, type HttpKubeClientConfig } from '../client/http-client.js';
import { cleanupAgentNetworking, startAgent } from '../agent/agent.js';
import { primaryIPv4 } from '../agent/node-ip.js';
import { ingressPortsFromFlags } from '../ingress/node-ingress.js';
import { joinCluster } from '../agent/join/node-join.js';
import type { NodeIdentity } from '../kubelet/node/node-object.js';

function requireServer(server: string | undefined): string {
  if (!server) throw new Error('k8ts agent: --server is required to join with --token');
  return server;
}

export const AGENT_USAGE = `Usage: k8ts agent --server URL --token TOKEN [flags]
       k8ts agent --server URL --kubeconfig PATH [flags]

Runs a node: a supervised containerd, the CRI client and a kubelet registered with the server.

Flags:
  --server URL                     API server URL (overrides the kubeconfig's)
  --token TOKEN                    join token from \`k8ts token create\` (K10<ca-hash>::<id>.<secret> or <id>.<secret>);
                                   not needed again while the node certificate stored in the data dir is good
  --kubeconfig PATH                credentials for the node instead of joining (e.g. the server's admin kubeconfig)
  --node-name NAME                 node name (default: the host name)
  --node-ip IP                     node address (default: the host's primary IPv4 address)
  --data-dir DIR                   state directory (default /var/lib/k8ts as root, ~/.k8ts otherwise)
  --container-runtime-endpoint S   use this CRI socket instead of starting containerd
  --pod-cidr CIDR                  this node's pod range (default: assigned from 10.42.0.0/16)
  --cluster-cidr CIDR              cluster pod range (default 10.42.0.0/16)
  --service-cidr CIDR              Service IP range (default 10.43.0.0/16)
  --cluster-dns IP                 cluster DNS address for pods (default 10.43.0.10)
  --cluster-domain NAME            the cluster DNS zone (default cluster.local)
  --host-gw                        route other nodes' pod ranges via their node addresses (multi-node without overlay)
  --cni-bridge NAME                the pod bridge (default cni0)
  --remove-pods-on-stop            stop and remove every pod sandbox when the agent stops
  --ingress-http-port PORT         the built-in ingress controller's HTTP port on the node address (default 80)
  --ingress-https-port PORT        its HTTPS port (default 443)
  --no-ingress                     do not run the built-in ingress controller on this node
  --cleanup                        remove the routes, pod bridge, service rules and cluster DNS pod manifest
                                   an agent installed, then exit
  --log-level LEVEL                trace|debug|info|warn|error (default info)
`;

function defaultDataDir(): string {
  return process.getuid?.() === 0 ? '/var/lib/k8ts' : join(homedir(), '.k8ts');
}

/** Client configuration from the flags: a kubeconfig, optionally with its server or token overridden. */
export function agentClientConfig(v: { server?: string; token?: string; kubeconfig?: string }): HttpKubeClientConfig {
  if (!v.kubeconfig) throw new Error('k8ts agent: --kubeconfig is required unless joining with --server and --token');
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
      'cluster-domain': { type: 'string', default: 'cluster.local' },
      cleanup: { type: 'boolean', default: false },
      'host-gw': { type: 'boolean', default: false },
      'ingress-http-port': { type: 'string' },
      'ingress-https-port': { type: 'string' },
      'no-ingress': { type: 'boolean', default: false },
      'cni-bridge': { type: 'string' },
      'remove-pods-on-stop': { type: 'boolean', default: false },
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
    await cleanupAgentNetworking({ clusterCIDR: values['cluster-cidr'], serviceCIDR: values['service-cidr'], bridge: values['cni-bridge'], dataDir: values['data-dir'] ?? defaultDataDir() });
    process.stdout.write('removed the agent\'s routes, pod bridge, service rules and cluster DNS pod manifest\n');
    return;
  }
  const logger = pino({ level: values['log-level'] }, pino.destination(2));
  const dataDir = values['data-dir'] ?? defaultDataDir();
  const nodeName = values['node-name'] ?? hostname().toLowerCase();
  const kubeconfig = values.kubeconfig ?? (values.token ? undefined : process.env.KUBECONFIG);
  const ac = new AbortController();
  const stop = (sig: string) => {
    if (ac.signal.aborted) process.exit(1);
    logger.info({ signal: sig }, 'stopping the node agent');
    ac.abort();
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  // Without a kubeconfig the agent joins: with the token the first time, then with its stored certificate.
  const joined = kubeconfig
    ? undefined
    : await joinCluster({ server: requireServer(values.server), token: values.token, nodeName, dataDir, logger }, ac.signal);
  const identityRun = joined?.run(ac.signal).catch((err: unknown) => logger.error({ err }, 'node certificate rotation stopped with an error'));
  const agent = await startAgent(
    {
      dataDir,
      nodeName,
      nodeIP: values['node-ip'] ?? primaryIPv4(),
      serverClientConfig: joined ? joined.clientConfig() : agentClientConfig({ server: values.server, token: values.token, kubeconfig }),
      ...(joined
        ? {
            makeClient: joined.makeClient,
            clientConfigFor: joined.clientConfigFor,
            kubeletServingTlsFor: (node: NodeIdentity) => joined.kubeletServingTls([node.nodeIP]),
          }
        : {}),
      routePodCIDRs: values['host-gw'],
      ingress: ingressPortsFromFlags(values['ingress-http-port'], values['ingress-https-port'], values['no-ingress']),
      cniBridge: values['cni-bridge'],
      removePodsOnStop: values['remove-pods-on-stop'],
      containerRuntimeEndpoint: values['container-runtime-endpoint'],
      podCIDR: values['pod-cidr'],
      clusterCIDR: values['cluster-cidr'],
      serviceCIDR: values['service-cidr'],
      clusterDNS: values['cluster-dns'],
      clusterDomain: values['cluster-domain'],
      logger,
    },
    ac.signal,
  ).catch((err: unknown) => {
    ac.abort();
    throw err;
  });
  logger.info({ criSocket: agent.criSocket }, 'node agent running');
  void agent.registered.then((node) => logger.info({ podCIDR: node.podCIDR }, 'node registered'));
  await agent.done;
  await identityRun;
  process.exit(0);
}
