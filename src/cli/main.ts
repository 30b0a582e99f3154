// `k8ts` command line: parses flags and starts the requested process. Flag definitions live
// here; the components they start live in their own folders.
import { parseArgs } from 'node:util';
import { homedir, hostname } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { startControlPlane } from '../controlplane/control-plane.js';
import { simCommand } from './sim-command.js';
import { agentCommand } from './agent-command.js';
import { parseDurationSeconds, tokenCommand } from './token-command.js';
import { kubeconfigCommand } from './kubeconfig-command.js';
import { dnsCommand } from './dns-command.js';
import { startAgent } from '../agent/agent.js';
import { ingressPortsFromFlags } from '../ingress/node-ingress.js';
import { primaryIPv4 } from '../agent/node-ip.js';
import { clusterDNSAddress } from '../agent/cluster-addresses.js';

const USAGE = `Usage: k8ts <command> [flags]

Commands:
  server    Run a control plane (API server with its datastore), and by default a node agent
  agent     Run a node agent (containerd, CNI, kubelet) joined to a server
  token     Create, list or delete bootstrap tokens for joining nodes
  kubeconfig  Write a kubeconfig for a new user (--user NAME --group G)
  sim       Run simulated nodes against a server (--server URL --kubeconfig PATH --count N)
  dns       Serve one node's cluster DNS (what the agent's coredns static pod runs)

Server flags:
  --data-dir DIR             state directory (default /var/lib/k8ts as root, ~/.k8ts otherwise)
  --https-port PORT          API server port (default 6443)
  --bind-address ADDR        address to listen on (default 0.0.0.0)
  --tls-san NAME             extra name or IP for the serving certificate (repeatable)
  --datastore-endpoint URL   etcd://host:port[,host:port...] (default: SQLite in the data dir)
  --service-cidr CIDR        Service IP range (default 10.43.0.0/16)
  --cluster-cidr CIDR        Pod IP range (default 10.42.0.0/16)
  --cluster-domain NAME      the cluster DNS zone (default cluster.local)
  --no-agent                 run the control plane only
  --node-name NAME           the local node's name (default: the host name)
  --node-ip IP               the local node's address (default: the host's primary IPv4 address)
  --kubelet-port PORT        the kubelet API port (default 10250)
  --cni-bridge NAME          the pod bridge (default cni0); lets several clusters share one host
  --remove-pods-on-stop      stop and remove every pod sandbox when the server stops
  --host-gw                  route other nodes' pod ranges via their node addresses (joined agents: k8ts agent --host-gw)
  --ingress-http-port PORT   the built-in ingress controller's HTTP port on the node address (default 80)
  --ingress-https-port PORT  its HTTPS port (default 443)
  --no-ingress               do not run the built-in ingress controller
  --cluster-signing-duration D  longest certificate the CSR signers issue (default 8760h)
  --kubelet-client-certificate-duration D  node client certificate lifetime (default: the signing duration)
  --sim-nodes N              register N simulated nodes (pods run without containers)
  --token-auth-file FILE     static bearer tokens (CSV: token,user,uid,"group1,group2")
  --encryption-provider-config FILE  EncryptionConfiguration for Secrets at rest (aescbc, aesgcm, secretbox, identity)
  --audit-log-path FILE      audit events as JSON lines; --audit-policy-file FILE selects levels
  --log-level LEVEL          trace|debug|info|warn|error (default info)
`;

function durationFlag(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const s = parseDurationSeconds(v);
  if (!s) throw new Error(`invalid --${name} ${v}: want a duration such as 24h or 90s`);
  return s;
}

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
    case 'agent':
      return agentCommand(rest);
    case 'token':
      return tokenCommand(rest);
    case 'kubeconfig':
      return kubeconfigCommand(rest);
    case 'dns':
      return dnsCommand(rest);
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
      'cluster-domain': { type: 'string', default: 'cluster.local' },
      'no-agent': { type: 'boolean', default: false },
      'node-name': { type: 'string' },
      'node-ip': { type: 'string' },
      'kubelet-port': { type: 'string', default: '10250' },
      'ingress-http-port': { type: 'string' },
      'ingress-https-port': { type: 'string' },
      'no-ingress': { type: 'boolean', default: false },
      'cni-bridge': { type: 'string' },
      'remove-pods-on-stop': { type: 'boolean', default: false },
      'host-gw': { type: 'boolean', default: false },
      'cluster-signing-duration': { type: 'string' },
      'kubelet-client-certificate-duration': { type: 'string' },
      'sim-nodes': { type: 'string' },
      'log-level': { type: 'string', default: 'info' },
      'token-auth-file': { type: 'string' },
      'encryption-provider-config': { type: 'string' },
      'audit-log-path': { type: 'string' },
      'audit-policy-file': { type: 'string' },
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
      tokenAuthFile: values['token-auth-file'],
      encryptionProviderConfig: values['encryption-provider-config'],
      auditLogPath: values['audit-log-path'],
      auditPolicyFile: values['audit-policy-file'],
      serviceCidr: values['service-cidr']!,
      clusterCidr: values['cluster-cidr'],
      signingTtlSeconds: durationFlag('cluster-signing-duration', values['cluster-signing-duration']),
      signingTtlSecondsBySigner: values['kubelet-client-certificate-duration']
        ? { 'kubernetes.io/kube-apiserver-client-kubelet': durationFlag('kubelet-client-certificate-duration', values['kubelet-client-certificate-duration'])! }
        : undefined,
      logger,
    },
    ac.signal,
  );
  let agentDone: Promise<unknown> = Promise.resolve();
  if (!values['no-agent']) {
    // The local node: containerd, CNI and the kubelet, registered under this host's name.
    const nodeName = values['node-name'] ?? hostname().toLowerCase();
    const nodeIP = values['node-ip'] ?? primaryIPv4();
    const kubeletPort = Number(values['kubelet-port']);
    if (!Number.isInteger(kubeletPort) || kubeletPort <= 0 || kubeletPort > 65535) throw new Error(`invalid --kubelet-port ${values['kubelet-port']}`);
    const agent = await startAgent(
      {
        dataDir,
        nodeName,
        nodeIP,
        kubeletPort,
        ingress: ingressPortsFromFlags(values['ingress-http-port'], values['ingress-https-port'], values['no-ingress']),
        cniBridge: values['cni-bridge'],
        removePodsOnStop: values['remove-pods-on-stop'],
        routePodCIDRs: values['host-gw'],
        kubeletTls: await cp.kubeletServingTls(nodeName, [nodeIP, '127.0.0.1']),
        serverClientConfig: await cp.clientConfig(`system:node:${nodeName}`, ['system:nodes']),
        clientConfigFor: (user, groups) => cp.clientConfig(user, groups),
        clusterCIDR: values['cluster-cidr'],
        serviceCIDR: values['service-cidr'],
        clusterDNS: clusterDNSAddress(values['service-cidr']!),
        clusterDomain: values['cluster-domain'],
        logger: logger.child({ component: 'agent' }),
      },
      ac.signal,
    );
    agentDone = agent.done;
  }
  process.stdout.write(
    `k8ts API server is ready at ${cp.url}\n` +
      `Admin kubeconfig written to ${cp.kubeconfigPath}\n` +
      `Use it with:\n  export KUBECONFIG=${cp.kubeconfigPath}\n  kubectl get nodes\n`,
  );
  await Promise.allSettled([cp.done, agentDone]);
  process.exit(0);
}
