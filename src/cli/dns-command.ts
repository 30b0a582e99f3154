// `k8ts dns`: one node's cluster DNS server as a process of its own (what the coredns static pod
// runs). Parses flags and serves until SIGTERM/SIGINT, then withdraws the node's kube-dns
// EndpointSlice and exits. It never configures the host: the agent puts the listen address on the
// pod bridge before it writes the pod.
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { kubeconfigToConfig } from '../client/http-client.js';
import { serveClusterDns } from '../dns/node-dns.js';

export const DNS_USAGE = `Usage: k8ts dns --kubeconfig PATH --node-name NAME --listen IP [flags]

Serves cluster DNS for one node (normally run by the agent as the coredns static pod).

Flags:
  --kubeconfig PATH       credentials of the cluster DNS identity (system:k8ts:coredns)
  --node-name NAME        the node whose kube-dns EndpointSlice this server keeps
  --node-uid UID          the Node's uid (the slice is then garbage-collected with the Node)
  --listen IP             the address to serve on (the pod bridge gateway)
  --port PORT             UDP and TCP port (default 53)
  --cluster-dns IP        the kube-dns Service address (not forwarded to)
  --cluster-domain NAME   the cluster DNS zone (default cluster.local)
  --log-level LEVEL       trace|debug|info|warn|error (default info)
`;

export async function dnsCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      kubeconfig: { type: 'string' },
      'node-name': { type: 'string' },
      'node-uid': { type: 'string' },
      listen: { type: 'string' },
      port: { type: 'string', default: '53' },
      'cluster-dns': { type: 'string' },
      'cluster-domain': { type: 'string', default: 'cluster.local' },
      'log-level': { type: 'string', default: 'info' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(DNS_USAGE);
    return;
  }
  const { kubeconfig, listen } = values;
  const nodeName = values['node-name'];
  if (!kubeconfig || !nodeName || !listen) throw new Error(`k8ts dns: --kubeconfig, --node-name and --listen are required\n\n${DNS_USAGE}`);
  if (!isIP(listen)) throw new Error(`k8ts dns: invalid --listen ${listen}`);
  const port = Number(values.port);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new Error(`k8ts dns: invalid --port ${values.port}`);
  const logger = pino({ level: values['log-level'] }, pino.destination(2));
  const ac = new AbortController();
  const stop = (sig: string) => {
    if (ac.signal.aborted) process.exit(1);
    logger.info({ signal: sig }, 'stopping cluster DNS');
    ac.abort();
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  await serveClusterDns(
    {
      clientConfig: kubeconfigToConfig(readFileSync(kubeconfig, 'utf8')),
      nodeName,
      nodeUid: values['node-uid'],
      listenAddress: listen,
      port,
      clusterDNS: values['cluster-dns'],
      clusterDomain: values['cluster-domain'],
      logger,
    },
    ac.signal,
  );
  process.exit(0);
}
