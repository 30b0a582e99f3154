// Node networking set-up owned by the agent: the CNI conflist containerd's CRI plugin uses for
// pods (bridge + host-local + portmap; containerd adds loopback itself), IP forwarding and
// br_netfilter, an `unreachable` route that keeps the cluster's pod range from leaking onto the
// host's real network, and a route for the service range onto the pod bridge, so host-originated
// ClusterIP traffic has a route for the proxy's rules to rewrite while addresses no Service owns stay
// on the bridge instead of going to the default gateway. It never programs Service rules (that is
// kube-proxy's).
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export const DEFAULT_CLUSTER_CIDR = '10.42.0.0/16';
export const DEFAULT_SERVICE_CIDR = '10.43.0.0/16';
export const DEFAULT_BRIDGE = 'cni0';
export const DEFAULT_NETWORK_NAME = 'k8ts';
export const CONFLIST_FILE = '10-k8ts.conflist';

export interface CniConfigInput {
  podCIDR: string;
  /** Linux bridge name (at most 15 characters) */
  bridge?: string;
  networkName?: string;
  /** host-local's allocation store; defaults to /var/lib/cni/networks */
  ipamDataDir?: string;
  mtu?: number;
}

/** The conflist JSON for the node's pod network. */
export function renderConflist(input: CniConfigInput): string {
  const bridge = input.bridge ?? DEFAULT_BRIDGE;
  if (bridge.length > 15) throw new Error(`bridge name "${bridge}" is longer than 15 characters`);
  const conf = {
    cniVersion: '1.0.0',
    name: input.networkName ?? DEFAULT_NETWORK_NAME,
    plugins: [
      {
        type: 'bridge',
        bridge,
        isGateway: true,
        ipMasq: true,
        // lets a pod reach itself through a Service IP that DNATs back to it
        hairpinMode: true,
        ...(input.mtu ? { mtu: input.mtu } : {}),
        ipam: {
          type: 'host-local',
          ranges: [[{ subnet: input.podCIDR }]],
          routes: [{ dst: '0.0.0.0/0' }],
          ...(input.ipamDataDir ? { dataDir: input.ipamDataDir } : {}),
        },
      },
      { type: 'portmap', capabilities: { portMappings: true } },
    ],
  };
  return JSON.stringify(conf, null, 2) + '\n';
}

/** Writes the conflist atomically into confDir, removing other *.conflist/*.conf files there. */
export async function writeCniConfig(confDir: string, input: CniConfigInput): Promise<string> {
  await mkdir(confDir, { recursive: true });
  for (const f of await readdir(confDir)) {
    if (f !== CONFLIST_FILE && /\.(conflist|conf|json)$/.test(f)) await rm(join(confDir, f), { force: true });
  }
  const path = join(confDir, CONFLIST_FILE);
  await writeFile(`${path}.tmp`, renderConflist(input));
  await rename(`${path}.tmp`, path);
  return path;
}

export interface NodeNetworkInput {
  clusterCIDR?: string;
  serviceCIDR?: string;
  /** the pod bridge (default cni0), which also carries the service range's route */
  bridge?: string;
}

async function run(cmd: string, args: string[]): Promise<void> {
  await execFileAsync(cmd, args, { timeout: 10_000 });
}

async function writeSysctl(path: string, value: string): Promise<boolean> {
  if (!existsSync(path)) return false;
  await writeFile(path, value);
  return true;
}

/**
 * Turns on IP forwarding and bridge netfilter, installs an `unreachable` route for the cluster range
 * (connected routes to the node's own pod bridge and routes to other nodes' ranges are more specific
 * and win) and routes the service range into a dummy device. Idempotent. Returns warnings for
 * optional steps that failed.
 */
export async function setupNodeNetworking(input: NodeNetworkInput = {}): Promise<string[]> {
  const warnings: string[] = [];
  await writeSysctl('/proc/sys/net/ipv4/ip_forward', '1');
  if (!existsSync('/proc/sys/net/bridge/bridge-nf-call-iptables')) {
    await run('modprobe', ['br_netfilter']).catch(() => warnings.push('br_netfilter module not available'));
  }
  if (!(await writeSysctl('/proc/sys/net/bridge/bridge-nf-call-iptables', '1').catch(() => false))) {
    warnings.push('bridge-nf-call-iptables not set: Service traffic between pods on one bridge may bypass iptables');
  }
  await run('ip', ['route', 'replace', 'unreachable', input.clusterCIDR ?? DEFAULT_CLUSTER_CIDR]);
  // The bridge plugin adopts a bridge that already exists (and gives it the gateway address later).
  const bridge = input.bridge ?? DEFAULT_BRIDGE;
  if (!existsSync(`/sys/class/net/${bridge}`)) await run('ip', ['link', 'add', bridge, 'type', 'bridge']);
  await run('ip', ['link', 'set', bridge, 'up']);
  await run('ip', ['route', 'replace', input.serviceCIDR ?? DEFAULT_SERVICE_CIDR, 'dev', bridge]);
  return warnings;
}

/** Removes the routes setupNodeNetworking installed (deletePodBridge removes the bridge). */
export async function removeClusterRoutes(input: NodeNetworkInput = {}): Promise<void> {
  await run('ip', ['route', 'del', 'unreachable', input.clusterCIDR ?? DEFAULT_CLUSTER_CIDR]).catch(() => undefined);
  await run('ip', ['route', 'del', input.serviceCIDR ?? DEFAULT_SERVICE_CIDR, 'dev', input.bridge ?? DEFAULT_BRIDGE]).catch(() => undefined);
}

/** Deletes the pod bridge (its veths are gone once every sandbox is removed). */
export async function deletePodBridge(bridge = DEFAULT_BRIDGE): Promise<void> {
  if (existsSync(`/sys/class/net/${bridge}`)) await run('ip', ['link', 'del', bridge]).catch(() => undefined);
  await removeNetworkNatChains(bridge).catch(() => undefined);
}

/** NAT chains the bridge plugin's ipMasq left for pods of this network that were never torn down through CNI. */
export function natChainsOf(rules: string, network: string): string[] {
  const chains = new Set<string>();
  // iptables -S prints the comment with escaped quotes: --comment "name: \"<network>\" id: ..."
  const tag = 'name: \\"' + network + '\\"';
  for (const line of rules.split('\n')) {
    const m = /^-A (CNI-[0-9a-f]+) /.exec(line);
    if (m && line.includes(tag)) chains.add(m[1]!);
  }
  return [...chains];
}

/**
 * CNI chains nobody uses any more: portmap's CNI-HOSTPORT-* chains (which it never removes) once no
 * hostPort is forwarded, and per-pod chains left empty and unreferenced. Returns the jumps to delete
 * (as -A lines) and the chains. Pure; iptables refuses to drop a chain still in use anyway.
 */
export function idleCniChains(rules: string): { jumps: string[]; chains: string[] } {
  const lines = rules.split('\n');
  const defined = lines.flatMap((l) => /^-N (CNI-\S+)$/.exec(l)?.[1] ?? []);
  const hasRules = (c: string) => lines.some((l) => l.startsWith(`-A ${c} `));
  const referenced = (c: string) => lines.some((l) => l.endsWith(`-j ${c}`) && !l.startsWith('-A CNI-HOSTPORT-'));
  const hostPortIdle = !hasRules('CNI-HOSTPORT-DNAT');
  const chains = defined.filter((c) => (c.startsWith('CNI-HOSTPORT-') ? hostPortIdle : /^CNI-[0-9a-f]+$/.test(c) && !hasRules(c) && !referenced(c)));
  const jumps = hostPortIdle ? lines.filter((l) => /^-A (PREROUTING|OUTPUT|POSTROUTING) .*-j CNI-HOSTPORT-/.test(l)) : [];
  return { jumps, chains };
}

async function removeNetworkNatChains(network: string): Promise<void> {
  await removeChains(natChainsOf(await iptablesNat(), network));
  const idle = idleCniChains(await iptablesNat());
  for (const jump of idle.jumps) await run('iptables', ['-t', 'nat', '-D', ...splitRule(jump.slice(3))]).catch(() => undefined);
  for (const c of idle.chains) await run('iptables', ['-t', 'nat', '-F', c]).catch(() => undefined);
  for (const c of idle.chains) await run('iptables', ['-t', 'nat', '-X', c]).catch(() => undefined);
}

async function iptablesNat(): Promise<string> {
  return (await execFileAsync('iptables', ['-t', 'nat', '-S'], { timeout: 10_000 })).stdout;
}

async function removeChains(chains: string[]): Promise<void> {
  if (!chains.length) return;
  const stdout = await iptablesNat();
  // Jumps into the chains first (POSTROUTING), then the chains themselves.
  for (const line of stdout.split('\n')) {
    const m = /^-A (\S+) (.*-j (CNI-[0-9a-f]+))$/.exec(line);
    if (m && chains.includes(m[3]!) && !chains.includes(m[1]!)) await run('iptables', ['-t', 'nat', '-D', m[1]!, ...splitRule(m[2]!)]).catch(() => undefined);
  }
  for (const c of chains) {
    await run('iptables', ['-t', 'nat', '-F', c]).catch(() => undefined);
    await run('iptables', ['-t', 'nat', '-X', c]).catch(() => undefined);
  }
}

/** Splits an iptables-save rule into arguments, keeping quoted comments whole. */
function splitRule(rule: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (const m of rule.matchAll(re)) out.push(m[1] !== undefined ? m[1].replace(/\\"/g, '"') : m[2]!);
  return out;
}

/** Undoes setupNodeNetworking and removes the pod bridge (for `--cleanup`). */
export async function cleanupNodeNetworking(input: NodeNetworkInput = {}): Promise<void> {
  await removeClusterRoutes(input);
  await deletePodBridge(input.bridge);
}
