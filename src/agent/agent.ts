// The node agent: everything that makes this machine a node. It owns the order of start-up
// (host networking, the supervised containerd or an external CRI endpoint, the CRI client, the
// node's pod range and CNI config, then the kubelet) and the reverse order of shut-down. It
// never manages pods itself (the kubelet does) and never touches control-plane state directly:
// it speaks to the API server only through the client it is given.
import { join } from 'node:path';
import { setMaxListeners } from 'node:events';
import type { Logger } from 'pino';
import { HttpKubeClient, type HttpKubeClientConfig } from '../client/http-client.js';
import { createSharedInformerFactory } from '../client/informer.js';
import { realClock } from '../client/informer-types.js';
import { createEventRecorder } from '../client/event-recorder.js';
import { ContainerdSupervisor } from '../kubelet/containerd/containerd-supervisor.js';
import { containerdPaths } from '../kubelet/containerd/containerd-config.js';
import { checkPrerequisites } from '../kubelet/containerd/prerequisites.js';
import { CriClient } from '../kubelet/cri/cri-client.js';
import { ContainerdEvents } from '../kubelet/pleg/containerd-events.js';
import {
  DEFAULT_CLUSTER_CIDR,
  DEFAULT_SERVICE_CIDR,
  cleanupNodeNetworking,
  setupNodeNetworking,
  writeCniConfig,
} from '../kubelet/network/cni-config.js';
import { Kubelet } from '../kubelet/kubelet.js';
import type { NodeIdentity } from '../kubelet/node/node-object.js';
import { ProbeManager } from '../kubelet/probes/probe-manager.js';
import { KubeletServer } from '../kubelet/server/kubelet-server.js';
import { VolumeManager } from '../kubelet/volumes/volume-manager.js';
import { LocalPathNodeService } from '../storage/local-path/node-service.js';
import { LOCAL_PATH_NODE_USER, runLocalPathNode } from '../storage/local-path/node-reclaimer.js';
import { LOCAL_PATH_PROVISIONER, storageDirOf } from '../storage/local-path/names.js';
import type { KubeClient } from '../client/types.js';
import { RouteController } from './routes/route-controller.js';
import { KUBE_PROXY_USER, removeNodeServiceRules, runNodeServiceProxy } from '../proxy/node-proxy.js';
import { INGRESS_USER, runNodeIngress } from '../ingress/node-ingress.js';
import { CLUSTER_DNS_USER } from '../dns/cluster-objects.js';
import { startNodeDns } from '../dns/node-dns-pod.js';
import { removeDnsStaticPod } from '../dns/dns-static-pod.js';
import { R } from '../client/resources.js';

export const KUBELET_USER_AGENT = 'kubelet/v1.32.4 (linux) k8ts';

export interface AgentOptions {
  dataDir: string;
  nodeName: string;
  nodeIP: string;
  /** credentials and address of the API server (a node client certificate, or a token) */
  serverClientConfig: HttpKubeClientConfig;
  /**
   * Credentials for another identity on this node, so each agent component (kube-proxy, cluster
   * DNS, ingress) goes through authn and RBAC as itself with least privilege. The embedded agent
   * gets certificates minted by the control plane; a joined agent gets them through its join flow.
   */
  clientConfigFor?: (user: string, groups: string[]) => Promise<HttpKubeClientConfig>;
  /** use this CRI socket instead of starting containerd */
  containerRuntimeEndpoint?: string;
  /** the node's pod range; by default the one the node IPAM controller assigns (src/controllers/nodeipam/) */
  podCIDR?: string;
  clusterCIDR?: string;
  serviceCIDR?: string;
  clusterDNS?: string;
  clusterDomain?: string;
  kubeletPort?: number;
  cniBinDir?: string;
  /** where the conflist goes; defaults to the supervised containerd's conf_dir */
  cniConfDir?: string;
  /**
   * Stop and remove every pod sandbox when the agent stops (tests, throwaway nodes). By default
   * containers keep running across agent restarts, as with k3s.
   */
  removePodsOnStop?: boolean;
  /** Serving certificate for the kubelet API (:10250), signed by the cluster CA; without it the API is not served. */
  kubeletTls?: { certPem: string; keyPem: string; clientCaPem: string };
  /** Without kubeletTls: obtains the serving certificate once the Node is registered (a joined agent's CSR). */
  kubeletServingTlsFor?: (node: NodeIdentity) => Promise<{ certPem: string; keyPem: string; clientCaPem: string }>;
  /** Makes the kubelet's API clients instead of serverClientConfig (a joined agent's clients follow certificate rotation). */
  makeClient?: (userAgent: string) => KubeClient & { close(): void };
  /** Route other nodes' pod ranges via their addresses (host-gw; src/agent/routes/). */
  routePodCIDRs?: boolean;
  /** Run the built-in ingress controller with listeners on the node address at these ports (the CLI: 80/443). */
  ingress?: { httpPort: number; httpsPort: number };
  /** the pod bridge (default cni0); tests use their own so runs on one machine do not collide */
  cniBridge?: string;
  logger: Logger;
}

export interface RunningAgent {
  criSocket: string;
  kubelet: Kubelet;
  /** the Node as registered (its pod range decided and the CNI config written) */
  registered: Promise<NodeIdentity>;
  /** resolves once the kubelet stopped and containerd was shut down */
  done: Promise<void>;
}

async function removeAllSandboxes(cri: CriClient, logger: Logger): Promise<void> {
  const { items } = await cri.runtime.listPodSandbox({}, 10_000).catch(() => ({ items: [] }));
  await Promise.all(
    items.map(async (s) => {
      try {
        await cri.runtime.stopPodSandbox({ pod_sandbox_id: s.id }, 30_000);
        await cri.runtime.removePodSandbox({ pod_sandbox_id: s.id }, 30_000);
      } catch (err) {
        logger.warn({ err, sandbox: s.id }, 'could not remove pod sandbox');
      }
    }),
  );
}

/**
 * Starts the node agent and returns once the kubelet is running; `done` settles after the
 * signal aborts and everything it started is stopped.
 */
export async function startAgent(opts: AgentOptions, signal: AbortSignal): Promise<RunningAgent> {
  setMaxListeners(0, signal);
  const logger = opts.logger.child({ component: 'agent', node: opts.nodeName });
  if (process.getuid?.() !== 0) {
    throw new Error('the node agent needs root (it runs containers and configures networking); use --no-agent otherwise');
  }
  const cniBinDir = opts.cniBinDir ?? '/usr/lib/cni';
  const cniConfDir = opts.cniConfDir ?? containerdPaths(opts.dataDir).cniConfDir;
  checkPrerequisites({ cniBinDir, needContainerd: !opts.containerRuntimeEndpoint });

  const warnings = await setupNodeNetworking({ clusterCIDR: opts.clusterCIDR, serviceCIDR: opts.serviceCIDR, bridge: opts.cniBridge });
  for (const w of warnings) logger.warn(w);

  let supervisor: ContainerdSupervisor | undefined;
  const stopRuntime = new AbortController();
  if (!opts.containerRuntimeEndpoint) {
    supervisor = new ContainerdSupervisor({ dataDir: opts.dataDir, logger: logger.child({ component: 'containerd' }), cniBinDir });
    await supervisor.start(stopRuntime.signal);
  }
  const criSocket = opts.containerRuntimeEndpoint ?? supervisor!.socketPath;
  const cri = new CriClient(criSocket);
  // containerd's task events on the same socket: the kubelet's PLEG reacts to exits at once.
  const containerdEvents = new ContainerdEvents(criSocket);
  const makeClient = opts.makeClient ?? ((userAgent: string) => new HttpKubeClient({ userAgent, ...opts.serverClientConfig }));
  const client = makeClient(KUBELET_USER_AGENT);
  // Watches on a connection of their own, so a watch backlog never stalls status writes.
  const watchClient = makeClient(KUBELET_USER_AGENT);
  const shutdown = async () => {
    if (opts.removePodsOnStop) await removeAllSandboxes(cri, logger);
    cri.close();
    containerdEvents.close();
    client.close();
    watchClient.close();
    stopRuntime.abort();
    await supervisor?.stop();
  };

  try {
    const version = await cri.runtime.version({ version: 'v1' }, 10_000);
    logger.info({ runtime: version.runtime_name, version: version.runtime_version, socket: criSocket }, 'container runtime ready');
    const informers = createSharedInformerFactory(watchClient, { logger });
    const recorder = createEventRecorder(client, 'kubelet', opts.nodeName, { logger });
    const kubeletLogger = opts.logger.child({ component: 'kubelet', node: opts.nodeName });
    // Storage drivers' node services, by provisioner name: the built-in local-path driver.
    const volumeDrivers = new Map([[LOCAL_PATH_PROVISIONER, new LocalPathNodeService({ nodeName: opts.nodeName, storageDir: storageDirOf(opts.dataDir) })]]);
    const volumes = new VolumeManager({ client, dataDir: opts.dataDir, logger: kubeletLogger.child({ component: 'volumes' }), clock: realClock, volumeDrivers });
    const probes = new ProbeManager({ cri, clock: realClock, logger: kubeletLogger.child({ component: 'probes' }) });
    signal.addEventListener('abort', () => probes.stop(), { once: true });
    const kubelet: Kubelet = new Kubelet(
      { client, informers, cri, recorder, clock: realClock, logger: kubeletLogger, volumes, probes, containerdEvents },
      {
        nodeName: opts.nodeName,
        nodeIP: opts.nodeIP,
        dataDir: opts.dataDir,
        podCIDR: opts.podCIDR,
        clusterCIDR: opts.clusterCIDR,
        clusterDNS: opts.clusterDNS ?? '10.43.0.10',
        clusterDomain: opts.clusterDomain ?? 'cluster.local',
        kubeletPort: opts.kubeletPort ?? 10250,
        cniBinDir,
        cniConfDir,
        // The pod range is known only once the Node is registered; containerd picks the
        // conflist up from its conf_dir before the first sandbox is created.
        beforePods: async (node) => {
          await writeCniConfig(cniConfDir, {
            podCIDR: node.podCIDR,
            bridge: opts.cniBridge,
            networkName: opts.cniBridge,
            ipamDataDir: join(opts.dataDir, 'agent', 'cni', 'networks'),
          });
          logger.info({ podCIDR: node.podCIDR }, 'pod network configured');
        },
      },
    );
    void volumes.run(signal).catch((err: unknown) => logger.error({ err }, 'volume manager stopped with an error'));
    const serveKubeletApi = async (tls: { certPem: string; keyPem: string; clientCaPem: string }) => {
      // The kubelet API: logs, exec, attach, port-forward and stats for the API server only.
      const server = new KubeletServer({
        cri,
        podByName: (ns, name) => kubelet.pods().find((p) => p.metadata.namespace === ns && p.metadata.name === name) as any,
        logDir: (pod, container) => join(kubelet.syncer.podDir(pod as any), container),
        tls,
        logger: kubeletLogger.child({ component: 'kubelet-server' }),
        nodeName: opts.nodeName,
        containerdAddress: criSocket,
      });
      await server.listen(opts.kubeletPort ?? 10250, signal);
    };
    if (opts.kubeletTls) await serveKubeletApi(opts.kubeletTls);
    else if (opts.kubeletServingTlsFor) {
      const servingTlsFor = opts.kubeletServingTlsFor;
      void kubelet.registration
        .then(async (node) => !signal.aborted && (await serveKubeletApi(await servingTlsFor(node))))
        .catch((err: unknown) => logger.error({ err }, 'kubelet API not served: no serving certificate'));
    }
    // Node components start once the Node exists (their work depends on its name, range and which
    // endpoints are local), each as its own identity; `done` waits for every one of them to stop.
    const components: Promise<void>[] = [];
    const startAfterRegistration = (
      what: string,
      user: string | undefined,
      start: (clientConfig: HttpKubeClientConfig, node: NodeIdentity) => Promise<void>,
    ): void => {
      void kubelet.registration.then(
        (node) => {
          if (signal.aborted) return;
          components.push(
            (async () => {
              const clientConfig = user && opts.clientConfigFor ? await opts.clientConfigFor(user, []) : opts.serverClientConfig;
              await start(clientConfig, node);
            })().catch((err: unknown) => logger.error({ err }, `${what} stopped with an error`)),
          );
        },
        () => undefined,
      );
    };
    if (opts.routePodCIDRs) {
      startAfterRegistration('pod route controller', undefined, () =>
        new RouteController({ client: watchClient, nodeName: opts.nodeName, logger: logger.child({ component: 'pod-routes' }) }).run(signal),
      );
    }
    const run = kubelet.run(signal);
    startAfterRegistration('service proxy', KUBE_PROXY_USER, (clientConfig) =>
      runNodeServiceProxy(
        { clientConfig, nodeName: opts.nodeName, nodeIP: opts.nodeIP, clusterCIDR: opts.clusterCIDR, bridge: opts.cniBridge, removeOnStop: opts.removePodsOnStop, logger: opts.logger },
        signal,
      ),
    );
    const ingress = opts.ingress;
    if (ingress) {
      // Registers this node as an endpoint of kube-system/k8ts-ingress.
      startAfterRegistration('ingress controller', INGRESS_USER, (clientConfig) =>
        runNodeIngress({ clientConfig, nodeName: opts.nodeName, nodeIP: opts.nodeIP, ...ingress, logger: opts.logger }, signal),
      );
    }
    // Cluster DNS listens on the pod bridge's gateway and runs as the coredns static pod (src/dns/node-dns-pod.ts).
    startAfterRegistration('cluster DNS', CLUSTER_DNS_USER, async (clientConfig, node) => {
      // Read as the node (the DNS identity may not read Nodes): its slice is then owned by the Node.
      const nodeUid = (await client.get(R.nodes, '', opts.nodeName).catch(() => undefined))?.metadata.uid;
      await startNodeDns(
        {
          dataDir: opts.dataDir,
          clientConfig,
          nodeName: opts.nodeName,
          nodeUid,
          podCIDR: node.podCIDR,
          bridge: opts.cniBridge,
          clusterDNS: opts.clusterDNS ?? '10.43.0.10',
          clusterDomain: opts.clusterDomain,
          importImages: supervisor && (() => supervisor!.importImages()),
          manifestWritten: () => kubelet.refreshStaticPods(),
          logger: opts.logger,
        },
        signal,
      );
    });
    // The local-path driver's node half: announces the storage directory, removes released data.
    startAfterRegistration('local-path node service', LOCAL_PATH_NODE_USER, (clientConfig) =>
      runLocalPathNode({ clientConfig, nodeClient: client, nodeName: opts.nodeName, dataDir: opts.dataDir, pathsInUse: () => volumes.claimPathsInUse(), logger }, signal),
    );
    const done = run
      .catch((err: unknown) => logger.error({ err }, 'kubelet stopped with an error'))
      .finally(async () => {
        await Promise.all(components);
        await recorder.flush().catch(() => undefined);
        await shutdown();
        logger.info('node agent stopped');
      });
    return { criSocket, kubelet, registered: kubelet.registration, done };
  } catch (err) {
    await shutdown();
    throw err;
  }
}

/** Removes the host networking the agent installed (routes, pod bridge, service rules). For `k8ts agent --cleanup`. */
export async function cleanupAgentNetworking(opts: { clusterCIDR?: string; serviceCIDR?: string; bridge?: string; dataDir?: string } = {}): Promise<void> {
  await cleanupNodeNetworking({ clusterCIDR: opts.clusterCIDR ?? DEFAULT_CLUSTER_CIDR, serviceCIDR: opts.serviceCIDR ?? DEFAULT_SERVICE_CIDR, bridge: opts.bridge });
  await removeNodeServiceRules(opts.bridge).catch(() => undefined);
  // The coredns static pod would otherwise start again with the next agent, on a bridge just removed.
  if (opts.dataDir) await removeDnsStaticPod(opts.dataDir);
}
