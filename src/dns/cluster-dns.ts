// Cluster DNS, run by each node agent (like NodeLocal DNSCache, in place of a CoreDNS Deployment):
// an authoritative server for the cluster zone with the CoreDNS `kubernetes` plugin's records,
// fed by Service and EndpointSlice informers, forwarding other names to the host's resolvers, on
// UDP+TCP port 53 of the pod bridge's gateway address; and this node's EndpointSlice in the
// kube-dns Service so the service proxy sends 10.43.0.10:53 here. It owns only that slice and its
// sockets; it never writes Services, Pods or other slices, and never programs the kernel.
import { readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { KubeObject } from '../api/object.js';
import type { SharedInformerFactory } from '../client/informer-types.js';
import { R } from '../client/resources.js';
import type { KubeClient } from '../client/types.js';
import { parseResolvConf } from '../kubelet/pods/dns.js';
import { DnsEndpointPublisher, DNS_NAMESPACE } from './dns-endpoint-slice.js';
import { DnsServer } from './dns-server.js';
import { Forwarder, upstreamsFrom, type Upstream } from './forwarder.js';
import { canonicalName } from './names.js';
import { QueryHandler } from './query-handler.js';
import { RecordIndex } from './record-index.js';
import { syncZone } from './zone-sync.js';

export const DEFAULT_CLUSTER_DOMAIN = 'cluster.local';
/** The identity cluster DNS runs as (ClusterRole system:coredns, Role k8ts:coredns-endpoints). */
export { CLUSTER_DNS_USER } from './cluster-objects.js';
const RESYNC_SLICE_MS = 60_000;

export interface ClusterDnsDeps {
  client: KubeClient;
  informers: SharedInformerFactory;
  logger: Logger;
}

export interface ClusterDnsOptions {
  zone?: string;
  listenAddress: string;
  /** 53 in production; 0 for a free port (tests) */
  port: number;
  /** the node to publish an EndpointSlice for; without it nothing is published */
  nodeName?: string;
  /** the Node's uid: the slice is then owned by the Node (garbage-collected with it) */
  nodeUid?: string;
  /** the kube-dns Service IPs (answered for ns.dns.<zone>, never forwarded to) */
  clusterDNS?: string[];
  /** upstream resolvers; default: the nameservers of resolvConfPath */
  upstreams?: Upstream[];
  resolvConfPath?: string;
}

export class ClusterDns {
  readonly index: RecordIndex;
  readonly handler: QueryHandler;
  private readonly forwarder = new Forwarder({ upstreams: [] });
  private server?: DnsServer;

  constructor(
    private readonly deps: ClusterDnsDeps,
    private readonly opts: ClusterDnsOptions,
  ) {
    this.index = new RecordIndex(canonicalName(opts.zone ?? DEFAULT_CLUSTER_DOMAIN));
    this.handler = new QueryHandler(this.index, this.forwarder, { nameserverIPs: opts.clusterDNS ?? [], serial: Math.floor(Date.now() / 1000) });
  }

  /** The bound port (after start). */
  get port(): number {
    return this.server?.port ?? 0;
  }

  /**
   * Starts the informers, waits for them to sync, listens, and publishes the node's endpoint.
   * Resolves once serving; everything stops (and the endpoint is withdrawn) when `signal` aborts.
   * `done` settles after that clean-up.
   */
  async start(signal: AbortSignal): Promise<{ done: Promise<void> }> {
    // Our own signal, so a failed start stops the informers it began.
    const local = new AbortController();
    const onAbort = () => local.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      return await this.serve(local.signal);
    } catch (err) {
      signal.removeEventListener('abort', onAbort);
      local.abort();
      this.forwarder.close();
      throw err;
    }
  }

  private async serve(signal: AbortSignal): Promise<{ done: Promise<void> }> {
    const { informers, logger } = this.deps;
    const services = informers.informerFor<KubeObject>(R.services);
    const slices = informers.informerFor<KubeObject>(R.endpointslices);
    syncZone(this.index, services, slices);
    informers.start(signal);
    await informers.waitForSync(signal);
    if (signal.aborted) {
      this.forwarder.close();
      return { done: Promise.resolve() };
    }

    const upstreams = this.opts.upstreams ?? (await this.hostUpstreams());
    this.forwarder.setUpstreams(upstreams);
    this.server = new DnsServer({ address: this.opts.listenAddress, port: this.opts.port, handler: this.handler, logger });
    await this.server.listen(signal);
    logger.info({ address: this.opts.listenAddress, port: this.server.port, zone: this.index.zone, upstreams: upstreams.map((u) => u.host) }, 'cluster DNS serving');

    let publisher: DnsEndpointPublisher | undefined;
    let resync: NodeJS.Timeout | undefined;
    if (this.opts.nodeName) {
      const p = (publisher = new DnsEndpointPublisher(this.deps.client, logger, this.opts.nodeName, this.opts.listenAddress, this.opts.nodeUid));
      const ensure = () => void p.ensure().catch((err: unknown) => logger.warn({ err }, 'could not publish the cluster DNS endpoint'));
      ensure();
      // Level-triggered: put the slice back if someone deletes or edits it.
      const ours = (o: KubeObject) => o.metadata.namespace === DNS_NAMESPACE && o.metadata.name === p.sliceName;
      slices.addEventHandler({
        onUpdate: (_o, n) => ours(n) && ensure(),
        onDelete: (o) => ours(o) && ensure(),
      });
      resync = setInterval(ensure, RESYNC_SLICE_MS);
      resync.unref();
    }

    const done = new Promise<void>((resolve) => {
      const stop = async () => {
        if (resync) clearInterval(resync);
        this.server?.close();
        this.forwarder.close();
        await publisher?.remove().catch((err: unknown) => logger.warn({ err }, 'could not withdraw the cluster DNS endpoint'));
        resolve();
      };
      if (signal.aborted) void stop();
      else signal.addEventListener('abort', () => void stop(), { once: true });
    });
    return { done };
  }

  private async hostUpstreams(): Promise<Upstream[]> {
    const text = await readFile(this.opts.resolvConfPath ?? '/etc/resolv.conf', 'utf8').catch(() => '');
    const exclude = [this.opts.listenAddress, ...(this.opts.clusterDNS ?? [])];
    return upstreamsFrom(parseResolvConf(text).servers, exclude);
  }
}
