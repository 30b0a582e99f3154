// `k8ts server`: a control plane and, unless --no-agent, a node agent for this host, until SIGINT or
// SIGTERM. Parses the server's flags (main.ts lists them in the usage text) and owns the start-up
// order; the components it starts live in their own folders.
import { parseArgs } from 'node:util';
import { homedir, hostname } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { startControlPlane } from '../controlplane/control-plane.js';
import { parseDurationSeconds } from './token-command.js';
import { startAgent } from '../agent/agent.js';
import { ingressPortsFromFlags } from '../ingress/node-ingress.js';
import { primaryIPv4 } from '../agent/node-ip.js';
import { clusterDNSAddress } from '../agent/cluster-addresses.js';

function durationFlag(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const s = parseDurationSeconds(v);
  if (!s) throw new Error(`invalid --${name} ${v}: want a duration such as 24h or 90s`);
  return s;
}

function defaultDataDir(): string {
  return process.getuid?.() === 0 ? '/var/lib/k8ts' : join(homedir(), '.k8ts');
}

export async function serverCommand(args: string[]): Promise<void> {
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
