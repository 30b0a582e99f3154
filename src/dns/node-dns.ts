// Runs one node's cluster DNS: connects to the API server as the cluster DNS identity, serves on
// the pod bridge gateway until the signal aborts, then withdraws the node's kube-dns endpoint and
// closes its connection. `k8ts dns` (the coredns static pod) calls serveClusterDns; the agent
// calls runNodeClusterDns only when it cannot run that pod (no node-runtime image).
import type { Logger } from 'pino';
import { HttpKubeClient, type HttpKubeClientConfig } from '../client/http-client.js';
import { createSharedInformerFactory } from '../client/informer.js';
import { DEFAULT_BRIDGE } from '../kubelet/network/cni-config.js';
import { ClusterDns, DEFAULT_CLUSTER_DOMAIN } from './cluster-dns.js';
import { ensureBridgeAddress } from './listen-address.js';

export const DNS_USER_AGENT = 'k8ts-coredns/v1.32.4';

export interface ServeDnsOptions {
  clientConfig: HttpKubeClientConfig;
  nodeName: string;
  /** the Node's uid, so its kube-dns EndpointSlice is garbage-collected with the Node */
  nodeUid?: string;
  /** the pod bridge gateway, already on the bridge */
  listenAddress: string;
  /** the kube-dns Service address */
  clusterDNS?: string;
  clusterDomain?: string;
  /** 53 unless testing */
  port?: number;
  logger: Logger;
}

export interface NodeDnsOptions {
  clientConfig: HttpKubeClientConfig;
  nodeName: string;
  /** the Node's uid, so its kube-dns EndpointSlice is garbage-collected with the Node */
  nodeUid?: string;
  podCIDR: string;
  bridge?: string;
  /** the kube-dns Service address */
  clusterDNS?: string;
  clusterDomain?: string;
  /** 53 unless testing */
  port?: number;
  logger: Logger;
}

/** Resolves once cluster DNS has stopped (after the signal aborts); rejects if it cannot start. */
export async function serveClusterDns(o: ServeDnsOptions, signal: AbortSignal): Promise<void> {
  const logger = o.logger.child({ component: 'cluster-dns', node: o.nodeName });
  const client = new HttpKubeClient({ userAgent: DNS_USER_AGENT, ...o.clientConfig });
  try {
    const informers = createSharedInformerFactory(client, { logger });
    const dns = new ClusterDns(
      { client, informers, logger },
      { zone: o.clusterDomain ?? DEFAULT_CLUSTER_DOMAIN, listenAddress: o.listenAddress, port: o.port ?? 53, nodeName: o.nodeName, nodeUid: o.nodeUid, clusterDNS: o.clusterDNS ? [o.clusterDNS] : [] },
    );
    const { done } = await dns.start(signal);
    await done;
  } finally {
    client.close();
  }
}

/** In the agent's own process: puts the gateway on the pod bridge, then serves as serveClusterDns. */
export async function runNodeClusterDns(o: NodeDnsOptions, signal: AbortSignal): Promise<void> {
  const listenAddress = await ensureBridgeAddress(o.bridge ?? DEFAULT_BRIDGE, o.podCIDR);
  await serveClusterDns({ ...o, listenAddress }, signal);
}
