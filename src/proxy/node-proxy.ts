// Wires the service proxy for a node agent: its own API identity and connection, its informers,
// the nft runner for this network namespace and the kernel preparation. The agent calls
// runNodeServiceProxy once the Node is registered, and removeNodeServiceRules for `--cleanup`.
import { HttpKubeClient, type HttpKubeClientConfig } from '../client/http-client.js';
import { createSharedInformerFactory } from '../client/informer.js';
import { proxyTableName, deleteTableProgram } from './nft-rules.js';
import { enableRouteLocalnet, nftRunner } from './nft.js';
import { ServiceProxy, type ProxyLogger } from './service-proxy.js';

export const KUBE_PROXY_USER = 'system:kube-proxy';
export const KUBE_PROXY_USER_AGENT = 'kube-proxy/v1.32.4 (linux) k8ts';

export interface NodeServiceProxyOptions {
  clientConfig: HttpKubeClientConfig;
  nodeName: string;
  /** healthCheckNodePorts are served on this address (upstream serves every address; one address
   * keeps several test clusters on one machine apart) */
  nodeIP?: string;
  clusterCIDR?: string;
  /** the pod bridge; names the table (one table per agent on a machine) */
  bridge?: string;
  removeOnStop?: boolean;
  logger: ProxyLogger & { child(bindings: object): ProxyLogger };
}

/** Runs the node's service proxy until signal aborts (removing its table then if asked to). */
export async function runNodeServiceProxy(opts: NodeServiceProxyOptions, signal: AbortSignal): Promise<void> {
  const client = new HttpKubeClient({ userAgent: KUBE_PROXY_USER_AGENT, ...opts.clientConfig });
  const logger = opts.logger.child({ component: 'service-proxy' });
  try {
    const informers = createSharedInformerFactory(client, { logger });
    const proxy = new ServiceProxy(
      { informers, nft: nftRunner(), logger },
      {
        table: proxyTableName(opts.bridge),
        nodeName: opts.nodeName,
        ...(opts.clusterCIDR ? { clusterCIDR: opts.clusterCIDR } : {}),
        removeOnStop: opts.removeOnStop ?? false,
        ...(opts.nodeIP ? { healthCheckBindAddress: opts.nodeIP } : {}),
        prepare: () => enableRouteLocalnet(),
      },
    );
    await proxy.run(signal);
  } finally {
    client.close();
  }
}

/** Deletes the proxy's table for the agent on `bridge` (for `k8ts agent --cleanup`). */
export async function removeNodeServiceRules(bridge?: string): Promise<void> {
  await nftRunner().apply(deleteTableProgram(proxyTableName(bridge)));
}
