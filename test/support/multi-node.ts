/**
 * Several real nodes on one machine: a `k8ts server` (no agent of its own) on the host and N
 * agents, each in a network namespace of its own with its own containerd and data dir, joined
 * with a token from `k8ts token create --with-ca-hash`, pods routed between nodes host-gw style
 * (`k8ts agent --host-gw`).
 *
 *   host: bridge k8mb<id> 10.25x.y.1/24 ── veth ── netns k8mn<id>-0: eth0 10.25x.y.10 (agent 0)
 *                                       └─ veth ── netns k8mn<id>-1: eth0 10.25x.y.11 (agent 1)
 *
 * Agents run under nsenter --net plus a private mount namespace with the node's own sysfs.
 * The server listens on loopback as every test server does; the harness forwards the bridge
 * address's port to it, so agents reach https://10.25x.y.1:PORT (a --tls-san of the server).
 * Every name carries a per-run id; stop() removes everything it made: agent processes (by pid,
 * and whatever still runs in their namespaces, all started by those agents), mounts and data
 * dirs, namespaces, veths, the bridge, the forwarder and the server.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { repoRoot, startCluster, type Cluster } from './cluster.js';
import { nodeRuntimeUnavailable, unmountBelow } from './node-runtime.js';
import { busyboxImage, httpdImage } from '../../src/kubelet/images/oci-image.js';
import { CriClient } from '../../src/kubelet/cri/cri-client.js';

const execFileAsync = promisify(execFile);

/** Run inside the agent's new mount namespace: a fresh sysfs with the host's cgroup mounts kept, then the agent. */
const NODE_MOUNTS_SCRIPT = [
  'set -e',
  'd=$(mktemp -d /tmp/k8mn-cg-XXXXXX)',
  'mount --rbind /sys/fs/cgroup "$d"',
  'mount -t sysfs sysfs /sys',
  'mount --rbind "$d" /sys/fs/cgroup',
  'umount -l "$d"',
  'rmdir "$d"',
  'exec "$@"',
].join('\n');
const LOG_KEEP = 64 * 1024;

export interface AgentNode {
  name: string;
  ip: string;
  netns: string;
  dataDir: string;
  pid: number | undefined;
  log(): string;
}

export interface MultiNodeCluster extends Cluster {
  /** the host's address on the node network (where agents reach the API server) */
  hostIP: string;
  /** https://hostIP:PORT as the agents use it */
  agentServerURL: string;
  bridge: string;
  nodes: AgentNode[];
}

export interface MultiNodeOptions {
  agents?: number;
  /** extra `k8ts server` flags (e.g. a short --kubelet-client-certificate-duration) */
  serverArgs?: string[];
  readyTimeoutMs?: number;
}

/** Why several real nodes cannot run here (for `test(..., { skip })`), or undefined. */
export function multiNodeUnavailable(): string | undefined {
  const runtime = nodeRuntimeUnavailable();
  // The agents import their images from their data dirs; the registry is not needed.
  if (runtime && !/docker-registry|skopeo/.test(runtime)) return runtime;
  if (process.getuid?.() !== 0) return 'needs root';
  return undefined;
}

const rand = (n: number) => Math.floor(Math.random() * n);

async function ip(...args: string[]): Promise<void> {
  await execFileAsync('ip', args);
}

/** A /24 for the node network that nothing on this host routes yet. */
function freeNodeSubnet(): string {
  const routes = execFileSync('ip', ['-4', 'route', 'show', 'table', 'all'], { encoding: 'utf8' });
  for (let i = 0; i < 50; i++) {
    const prefix = `10.${251 + rand(4)}.${rand(256)}`;
    if (!routes.includes(prefix + '.')) return prefix;
  }
  throw new Error('no free 10.25x.y.0/24 for the node network');
}

function forwarder(listenHost: string, listenPort: number, targetPort: number): Promise<Server> {
  const sockets = new Set<Socket>();
  const server = createServer((inbound) => {
    const outbound = connect(targetPort, '127.0.0.1');
    sockets.add(inbound).add(outbound);
    const drop = () => {
      inbound.destroy();
      outbound.destroy();
      sockets.delete(inbound);
      sockets.delete(outbound);
    };
    inbound.on('error', drop).on('close', drop);
    outbound.on('error', drop).on('close', drop);
    inbound.pipe(outbound).pipe(inbound);
  });
  server.on('close', () => {
    for (const s of sockets) s.destroy();
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(listenPort, listenHost, () => resolve(server));
  });
}

async function netnsPids(netns: string): Promise<number[]> {
  const { stdout } = await execFileAsync('ip', ['netns', 'pids', netns]).catch(() => ({ stdout: '' }));
  return stdout.split(/\s+/).filter(Boolean).map(Number);
}

async function waitFor(what: string, timeoutMs: number, probe: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe()) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

export async function startMultiNodeCluster(opts: MultiNodeOptions = {}): Promise<MultiNodeCluster> {
  const unavailable = multiNodeUnavailable();
  if (unavailable) throw new Error(`several real nodes cannot run here: ${unavailable}`);
  const id = String(rand(1e6)).padStart(6, '0');
  const subnet = freeNodeSubnet();
  const hostIP = `${subnet}.1`;
  const bridge = `k8mb${id}`;
  const root = repoRoot();
  const undo: (() => Promise<void>)[] = [];
  const nodes: (AgentNode & { child?: ChildProcess; exited?: Promise<void> })[] = [];
  let cluster: Cluster | undefined;
  let fwd: Server | undefined;

  const stop = async () => {
    for (const n of nodes) {
      if (n.child?.pid && n.child.exitCode === null && n.child.signalCode === null) {
        try {
          process.kill(-n.child.pid, 'SIGTERM');
        } catch {
          /* gone */
        }
      }
    }
    await Promise.all(
      nodes.map(async (n) => {
        if (!n.exited) return;
        const forced = setTimeout(() => n.child?.pid && tryKill(-n.child.pid, 'SIGKILL'), 45_000);
        await n.exited;
        clearTimeout(forced);
      }),
    );
    for (const n of nodes) {
      // An agent that died without cleaning up leaves its containerd with pods: remove them through CRI.
      await removeSandboxes(path.join(n.dataDir, 'agent', 'containerd', 'containerd.sock'));
      // containerd shims and anything else the agent started in its namespace.
      for (const pid of await netnsPids(n.netns)) tryKill(pid, 'SIGKILL');
      await waitFor(`processes in ${n.netns} to exit`, 10_000, async () => (await netnsPids(n.netns)).length === 0).catch(() => undefined);
      await unmountBelow(n.dataDir).catch(() => undefined);
      rmSync(n.dataDir, { recursive: true, force: true });
    }
    while (undo.length) await undo.pop()!().catch(() => undefined);
    if (fwd) await new Promise<void>((r) => fwd!.close(() => r()));
    await cluster?.stop();
  };

  try {
    await ip('link', 'add', bridge, 'type', 'bridge');
    undo.push(() => ip('link', 'del', bridge));
    await ip('addr', 'add', `${hostIP}/24`, 'dev', bridge);
    await ip('link', 'set', bridge, 'up');

    cluster = await startCluster({
      noAgent: true,
      reuseShared: false,
      extraArgs: ['--tls-san', hostIP, ...(opts.serverArgs ?? [])],
      readyTimeoutMs: opts.readyTimeoutMs ?? 60_000,
    });
    fwd = await forwarder(hostIP, cluster.port, cluster.port);
    const agentServerURL = `https://${hostIP}:${cluster.port}`;
    const { stdout: token } = await execFileAsync(process.execPath, [path.join(root, 'bin', 'k8ts.js'), 'token', 'create', '--with-ca-hash', '--kubeconfig', cluster.kubeconfig]);

    for (let i = 0; i < (opts.agents ?? 2); i++) {
      const netns = `k8mn${id}-${i}`;
      const hostVeth = `k8mv${id}h${i}`;
      const nodeIP = `${subnet}.${10 + i}`;
      await ip('netns', 'add', netns);
      undo.push(() => ip('netns', 'del', netns));
      await ip('link', 'add', hostVeth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', netns);
      undo.push(() => ip('link', 'del', hostVeth));
      await ip('link', 'set', hostVeth, 'master', bridge, 'up');
      await ip('-n', netns, 'addr', 'add', `${nodeIP}/24`, 'dev', 'eth0');
      await ip('-n', netns, 'link', 'set', 'eth0', 'up');
      await ip('-n', netns, 'link', 'set', 'lo', 'up');
      await ip('-n', netns, 'route', 'add', 'default', 'via', hostIP);

      // Short path: containerd's socket lives below it and must stay under 108 bytes.
      const dataDir = mkdtempSync(path.join(os.tmpdir(), 'k8mn-'));
      mkdirSync(path.join(dataDir, 'images'), { recursive: true });
      // Air-gapped images, imported at start: pods use imagePullPolicy IfNotPresent.
      writeFileSync(path.join(dataDir, 'images', 'busybox.tar'), busyboxImage().archive);
      writeFileSync(path.join(dataDir, 'images', 'nginx.tar'), httpdImage().archive);
      const name = `mn${id}-${i}`;
      const node: (typeof nodes)[number] = { name, ip: nodeIP, netns, dataDir, pid: undefined, log: () => '' };
      nodes.push(node);
      let log = '';
      const keep = (b: Buffer) => {
        log += b.toString('utf8');
        if (log.length > LOG_KEEP * 2) log = log.slice(-LOG_KEEP);
        if (process.env.K8TS_TEST_SERVER_LOG === '1') process.stderr.write(b);
      };
      // The agent runs in the node's network namespace and a mount namespace of its own with a
      // sysfs of that network namespace (/sys/class/net shows the node's links), keeping the
      // host's cgroup mounts runc needs (`ip netns exec` remounts /sys and loses them). Mounts made
      // by the agent and its containerd stay in that namespace and go away with its processes.
      const agentArgs = [process.execPath, path.join(root, 'bin', 'k8ts.js'), 'agent',
        '--server', agentServerURL, '--token', token.trim(), '--node-name', name, '--node-ip', nodeIP,
        '--data-dir', dataDir, '--cni-bridge', `k8mc${id}${i}`, '--host-gw', '--remove-pods-on-stop'];
      const child = spawn(
        'nsenter',
        [`--net=/run/netns/${netns}`, 'unshare', '--mount', '--propagation', 'slave', 'sh', '-c', NODE_MOUNTS_SCRIPT, 'sh', ...agentArgs],
        { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], detached: true },
      );
      child.stdout!.on('data', keep);
      child.stderr!.on('data', keep);
      node.child = child;
      node.pid = child.pid;
      node.log = () => log;
      node.exited = new Promise((r) => child.on('exit', () => r()));
      process.once('exit', () => child.pid && child.exitCode === null && tryKill(-child.pid, 'SIGKILL'));
    }

    const c = cluster;
    for (const n of nodes) {
      await waitFor(`node ${n.name} Ready`, opts.readyTimeoutMs ?? 120_000, async () => {
        if (n.child?.exitCode !== null && n.child?.exitCode !== undefined) throw new Error(`agent ${n.name} exited:\n${n.log().slice(-4000)}`);
        const r = await c.kubectl(['get', 'node', n.name, '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}'], { allowFail: true });
        return r.code === 0 && r.stdout.trim() === 'True';
      });
    }
    return {
      ...c,
      hostIP,
      agentServerURL,
      bridge,
      nodes: nodes.map(({ child: _c, exited: _e, ...n }) => n),
      stop,
    };
  } catch (err) {
    const logs = nodes.map((n) => `--- agent ${n.name} ---\n${n.log().slice(-3000)}`).join('\n');
    await stop();
    throw new Error(`${(err as Error).message}\n${logs}`);
  }
}

async function removeSandboxes(socket: string): Promise<void> {
  if (!existsSync(socket)) return;
  const cri = new CriClient(socket);
  try {
    const { items } = await cri.runtime.listPodSandbox({}, 5_000);
    for (const s of items) {
      await cri.runtime.stopPodSandbox({ pod_sandbox_id: s.id }, 30_000).catch(() => undefined);
      await cri.runtime.removePodSandbox({ pod_sandbox_id: s.id }, 30_000).catch(() => undefined);
    }
  } catch {
    /* containerd is gone already */
  } finally {
    cri.close();
  }
}

function tryKill(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    /* already gone */
  }
}

/** Reads a file an agent wrote in its data dir (e.g. its kubeconfig), for assertions. */
export function agentFile(node: AgentNode, relative: string): string | undefined {
  const p = path.join(node.dataDir, relative);
  return existsSync(p) ? readFileSync(p, 'utf8') : undefined;
}
