// A real node runtime for tests in test/node: a local image registry mirrored as docker.io, a
// supervised containerd in a temp data dir, a pod network on its own bridge and /24, and a CRI
// client. stop() removes every sandbox, stops containerd by pid, deletes the bridge and dirs.
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { ContainerdSupervisor } from '../../src/kubelet/containerd/containerd-supervisor.js';
import { findBinary, REQUIRED_CNI_PLUGINS } from '../../src/kubelet/containerd/prerequisites.js';
import { CriClient } from '../../src/kubelet/cri/cri-client.js';
import { deletePodBridge, writeCniConfig } from '../../src/kubelet/network/cni-config.js';
import { cleanupAgentNetworking } from '../../src/agent/agent.js';
import { imageRegistryUnavailable, startImageRegistry, type ImageRegistry } from './image-registry.js';
import { existsSync } from 'node:fs';

export interface TestNodeRuntime {
  dataDir: string;
  podCIDR: string;
  bridge: string;
  registry: ImageRegistry;
  supervisor: ContainerdSupervisor;
  cri: CriClient;
  stop(): Promise<void>;
}

/** Why real containers cannot run here (for `test(..., { skip })`), or undefined. */
export function nodeRuntimeUnavailable(cniBinDir = '/usr/lib/cni'): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root';
  const missing = ['containerd', 'ctr', 'runc', 'ip', 'iptables'].filter((b) => !findBinary(b));
  missing.push(...REQUIRED_CNI_PLUGINS.filter((p) => !existsSync(join(cniBinDir, p))).map((p) => `CNI ${p}`));
  if (missing.length) return `missing ${missing.join(', ')} (apt-get install -y containerd runc containernetworking-plugins iptables)`;
  return imageRegistryUnavailable();
}

const rand = (n: number) => Math.floor(Math.random() * n);

/** Host networking of one test node: ranges and a pod bridge of its own, never another cluster's. */
export interface TestNodeNetwork {
  bridge: string;
  clusterCIDR: string;
  serviceCIDR: string;
  /** the first /24 of clusterCIDR, for agents given their range directly */
  podCIDR: string;
  /** removes what an agent on this network installed: routes, bridge, NAT chains, service rules */
  cleanup(): Promise<void>;
}

/** Random ranges (10.100-199.0.0/16 for pods, 10.200-249.0.0/16 for Services) and bridge, so parallel runs never collide. */
export function testNodeNetwork(bridgePrefix = 'k8tsn'): TestNodeNetwork {
  const a = 100 + rand(100);
  const net = {
    bridge: `${bridgePrefix}${rand(1e6)}`.slice(0, 15),
    clusterCIDR: `10.${a}.0.0/16`,
    serviceCIDR: `10.${200 + rand(50)}.0.0/16`,
  };
  return { ...net, podCIDR: `10.${a}.0.0/24`, cleanup: () => cleanupAgentNetworking(net) };
}

/** Unmounts anything still mounted below dir (deepest first), so the dir can be removed. */
export async function unmountBelow(dir: string): Promise<void> {
  const mounts = (await readFile('/proc/self/mounts', 'utf8'))
    .split('\n')
    .map((l) => l.split(' ')[1]?.replace(/\\040/g, ' '))
    .filter((m): m is string => !!m && (m === dir || m.startsWith(dir + '/')))
    .sort((a, b) => b.length - a.length);
  for (const m of mounts) {
    try {
      execFileSync('umount', ['-l', m]);
    } catch {
      /* raced with the runtime's own unmount */
    }
  }
}

export async function startTestNodeRuntime(): Promise<TestNodeRuntime> {
  // Short path: the containerd socket path must stay under 108 bytes.
  const dataDir = await mkdtemp(join(tmpdir(), 'k8ts-node-'));
  // A private /24 and bridge per run so parallel runs on one machine do not collide.
  const podCIDR = `10.42.${100 + rand(150)}.0/24`;
  const bridge = `k8tst${rand(1e6)}`;
  const logger = pino({ level: process.env.K8TS_TEST_LOG ?? 'silent' });
  const ac = new AbortController();
  let registry: ImageRegistry | undefined;
  let supervisor: ContainerdSupervisor | undefined;
  let cri: CriClient | undefined;

  const stop = async () => {
    if (cri) {
      const { items } = await cri.runtime.listPodSandbox({}).catch(() => ({ items: [] }));
      for (const s of items) {
        await cri.runtime.stopPodSandbox({ pod_sandbox_id: s.id }).catch(() => undefined);
        await cri.runtime.removePodSandbox({ pod_sandbox_id: s.id }).catch(() => undefined);
      }
      cri.close();
    }
    ac.abort();
    await supervisor?.stop();
    await deletePodBridge(bridge);
    await registry?.stop();
    await unmountBelow(dataDir);
    await rm(dataDir, { recursive: true, force: true });
  };

  try {
    registry = await startImageRegistry();
    await writeFile(join(dataDir, 'registries.yaml'), registry.registriesYaml());
    supervisor = new ContainerdSupervisor({ dataDir, logger });
    await writeCniConfig(supervisor.paths.cniConfDir, {
      podCIDR,
      bridge,
      networkName: bridge,
      ipamDataDir: join(dataDir, 'agent', 'cni', 'networks'),
    });
    await supervisor.start(ac.signal);
    cri = new CriClient(supervisor.socketPath);
    return { dataDir, podCIDR, bridge, registry, supervisor, cri, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
