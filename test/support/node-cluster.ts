/**
 * A cluster with a REAL node for e2e tests: `k8ts server` with its embedded agent (supervised
 * containerd, CNI, kubelet), images served by a local registry mirrored as docker.io.
 *
 * Several such clusters may run on one machine at once (test files, benchmarks, developers), so each
 * gets its own node address (a random 127.x.y.z: loopback, nothing leaves the host), kubelet port,
 * pod bridge, and pod/service ranges. stop() removes what it created: the server (by pid, which
 * removes every pod sandbox because of --remove-pods-on-stop), the bridge, routes, mounts, dirs.
 *
 * Test files call useNodeCluster(): the runner's shared cluster when K8TS_TEST_NODE_KUBECONFIG is set
 * (scripts/run-tests.js starts one for test/e2e/node/), otherwise a private one for that file.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { attachCluster, freePort, startCluster, type Cluster } from './cluster.js';
import { startImageRegistry, type ImageRegistry } from './image-registry.js';
import { nodeRuntimeUnavailable, testNodeNetwork, unmountBelow } from './node-runtime.js';
import { clusterDNSAddress } from '../../src/agent/cluster-addresses.js';

export const SHARED_NODE_KUBECONFIG_ENV = 'K8TS_TEST_NODE_KUBECONFIG';

export interface NodeCluster extends Cluster {
  nodeName: string;
  /** the node's address: a loopback address of its own (127.x.y.z) */
  nodeIP: string;
  clusterCIDR: string;
  serviceCIDR: string;
  /** the pod bridge on the host */
  bridge: string;
  /** the cluster DNS Service address (10th of the service range) */
  clusterDNS: string;
}

/** What a shared cluster's owner writes next to its kubeconfig, so attached files learn the rest. */
interface NodeClusterInfo {
  nodeName: string;
  nodeIP: string;
  clusterCIDR: string;
  serviceCIDR: string;
  bridge: string;
  clusterDNS: string;
}

const INFO_FILE = 'node-cluster.json';

/** Why a real-node cluster cannot run here (for `test(..., { skip })`), or undefined. */
export function nodeClusterUnavailable(): string | undefined {
  if (process.env[SHARED_NODE_KUBECONFIG_ENV]) return undefined;
  return nodeRuntimeUnavailable();
}

const rand = (n: number) => Math.floor(Math.random() * n);

export interface NodeClusterOptions {
  /** extra `k8ts server` flags */
  extraArgs?: string[];
  readyTimeoutMs?: number;
}

/** Starts a private server with a real node, and waits until the node is Ready. */
export async function startNodeCluster(opts: NodeClusterOptions = {}): Promise<NodeCluster> {
  const unavailable = nodeRuntimeUnavailable();
  if (unavailable) throw new Error(`a real node cannot run here: ${unavailable}`);
  const net = testNodeNetwork('k8tse');
  const info: NodeClusterInfo = {
    nodeName: `node-${rand(1e6)}`,
    nodeIP: `127.${1 + rand(250)}.${rand(256)}.${1 + rand(250)}`,
    clusterCIDR: net.clusterCIDR,
    serviceCIDR: net.serviceCIDR,
    bridge: net.bridge,
    clusterDNS: clusterDNSAddress(net.serviceCIDR),
  };
  const registry: ImageRegistry = await startImageRegistry();
  let cluster: Cluster;
  try {
    const kubeletPort = await freePort();
    cluster = await startCluster({
      noAgent: false,
      reuseShared: false,
      readyTimeoutMs: opts.readyTimeoutMs ?? 120_000,
      prepareDataDir: (dir) => {
        // Read by the agent at start: the docker.io mirror, so `image: busybox` pulls locally.
        writeFileSync(path.join(dir, 'registries.yaml'), registry.registriesYaml());
      },
      extraArgs: [
        '--node-name', info.nodeName,
        '--node-ip', info.nodeIP,
        '--kubelet-port', String(kubeletPort),
        '--cni-bridge', info.bridge,
        '--cluster-cidr', info.clusterCIDR,
        '--service-cidr', info.serviceCIDR,
        '--remove-pods-on-stop',
        ...(opts.extraArgs ?? []),
      ],
    });
  } catch (e) {
    await registry.stop();
    throw e;
  }
  writeFileSync(path.join(cluster.dataDir, INFO_FILE), JSON.stringify(info));
  const stopServer = cluster.stop;
  const nodeCluster: NodeCluster = {
    ...cluster,
    ...info,
    async stop() {
      const dataDir = cluster.dataDir;
      // The data dir goes with the server; unmount what pods left mounted below it first.
      await unmountBelow(dataDir).catch(() => undefined);
      await stopServer();
      await unmountBelow(dataDir).catch(() => undefined);
      // The agent removes its service rules when it stops; this also covers a server that had to be killed.
      await net.cleanup();
      await registry.stop();
    },
  };
  try {
    await waitNodeReady(nodeCluster, 120_000);
  } catch (e) {
    const log = cluster.serverLog().slice(-4000);
    await nodeCluster.stop();
    throw new Error(`${(e as Error).message}\n--- server log ---\n${log}`);
  }
  return nodeCluster;
}

async function waitNodeReady(c: NodeCluster, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    const r = await c.kubectl(['get', 'node', c.nodeName, '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}'], { allowFail: true });
    if (r.code === 0 && r.stdout.trim() === 'True') return;
    last = (r.stdout + r.stderr).trim();
    await new Promise((res) => setTimeout(res, 500));
  }
  throw new Error(`node ${c.nodeName} not Ready after ${timeoutMs} ms: ${last}`);
}

/** Attaches to a real-node cluster somebody else started (its kubeconfig sits next to node-cluster.json). */
export async function attachNodeCluster(kubeconfig: string): Promise<NodeCluster> {
  const cluster = await attachCluster(kubeconfig);
  const info = JSON.parse(readFileSync(path.join(path.dirname(kubeconfig), INFO_FILE), 'utf8')) as NodeClusterInfo;
  return { ...cluster, ...info };
}

/** The real-node cluster a test file should use: the runner's shared one, else a private one. */
export async function useNodeCluster(opts: NodeClusterOptions = {}): Promise<NodeCluster> {
  const shared = process.env[SHARED_NODE_KUBECONFIG_ENV];
  if (shared) return attachNodeCluster(shared);
  return startNodeCluster(opts);
}
