// Runs cluster DNS inside a node agent: puts the gateway address on the pod bridge, connects to
// the API server as the cluster DNS identity, serves until the signal aborts, then withdraws the
// node's kube-dns endpoint and closes its connection.
import type { Logger } from 'pino';
import { HttpKubeClient, type HttpKubeClientConfig } from '../client/http-client.js';
import { createSharedInformerFactory } from '../client/informer.js';
import { DEFAULT_BRIDGE } from '../kubelet/network/cni-config.js';
import { ClusterDns, DEFAULT_CLUSTER_DOMAIN } from './cluster-dns.js';
import { ensureBridgeAddress } from './listen-address.js';

export const DNS_USER_AGENT = 'k8ts-coredns/v1.32.4';

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
export async function runNodeClusterDns(o: NodeDnsOptions, signal: AbortSignal): Promise<void> {
  const logger = o.logger.child({ component: 'cluster-dns', node: o.nodeName });
  const address = await ensureBridgeAddress(o.bridge ?? DEFAULT_BRIDGE, o.podCIDR);
  const client = new HttpKubeClient({ userAgent: DNS_USER_AGENT, ...o.clientConfig });
  try {
    const informers = createSharedInformerFactory(client, { logger });
    const dns = new ClusterDns(
      { client, informers, logger },
      { zone: o.clusterDomain ?? DEFAULT_CLUSTER_DOMAIN, listenAddress: address, port: o.port ?? 53, nodeName: o.nodeName, nodeUid: o.nodeUid, clusterDNS: o.clusterDNS ? [o.clusterDNS] : [] },
    );
    const { done } = await dns.start(signal);
    await done;
  } finally {
    client.close();
  }
}
