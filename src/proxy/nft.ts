// Runs nft programs (`nft -f -`, one atomic transaction each), optionally inside a network
// namespace (tests and benchmarks use throwaway ones), and sets the sysctls the proxy relies on.
// It only ever names the proxy's own table; it never lists or flushes the ruleset as a whole.
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { findBinary } from '../kubelet/containerd/prerequisites.js';

export interface NftRunner {
  /** Applies a program atomically; rejects with nft's error text. */
  apply(program: string): Promise<void>;
  /** `nft list table ip <table>` output, or undefined if the table does not exist. */
  listTable(table: string): Promise<string | undefined>;
  /** Whether the table exists (cheap: lists table names only). */
  hasTable(table: string): Promise<boolean>;
}

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command with stdin, collecting its output (no shell). */
export function runCommand(cmd: string, args: readonly string[], input = '', timeoutMs = 30_000): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], timeout: timeoutMs });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }));
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  });
}

export class NftCommandError extends Error {
  constructor(readonly stderr: string) {
    super(`nft failed: ${stderr.trim().split('\n').slice(0, 6).join(' | ')}`);
    this.name = 'NftCommandError';
  }
}

/** An NftRunner for the current network namespace, or for a named one (`ip netns exec`). */
export function nftRunner(opts: { netns?: string; nftPath?: string } = {}): NftRunner {
  const nft = opts.nftPath ?? findBinary('nft') ?? 'nft';
  const argv = (args: string[]): [string, string[]] => (opts.netns ? ['ip', ['netns', 'exec', opts.netns, nft, ...args]] : [nft, args]);
  return {
    async apply(program) {
      const [cmd, args] = argv(['-f', '-']);
      const r = await runCommand(cmd, args, program);
      if (r.code !== 0) throw new NftCommandError(r.stderr);
    },
    async listTable(table) {
      const [cmd, args] = argv(['list', 'table', 'ip', table]);
      const r = await runCommand(cmd, args);
      if (r.code !== 0) {
        if (/No such file or directory/.test(r.stderr)) return undefined;
        throw new NftCommandError(r.stderr);
      }
      return r.stdout;
    },
    async hasTable(table) {
      const [cmd, args] = argv(['list', 'tables', 'ip']);
      const r = await runCommand(cmd, args);
      if (r.code !== 0) throw new NftCommandError(r.stderr);
      return r.stdout.split('\n').some((l) => l.trim() === `table ip ${table}`);
    },
  };
}

/**
 * NodePorts on 127.0.0.1 are DNATed to pod addresses; the kernel drops such packets as martians
 * unless route_localnet is on (as upstream's iptables mode requires).
 */
export async function enableRouteLocalnet(netns?: string): Promise<void> {
  if (netns) {
    const r = await runCommand('ip', ['netns', 'exec', netns, 'sysctl', '-q', '-w', 'net.ipv4.conf.all.route_localnet=1']);
    if (r.code !== 0) throw new Error(`sysctl route_localnet in ${netns}: ${r.stderr.trim()}`);
    return;
  }
  await writeFile('/proc/sys/net/ipv4/conf/all/route_localnet', '1');
}
