// A real etcd cluster for tests: N members (default 3) of the system `etcd` binary on loopback,
// free ports, data in a temp dir. Members can be stopped and started again on the same data.
// It only ever kills the processes it started, by pid, and removes only its own temp dir.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, openSync, closeSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface EtcdClusterOptions {
  members?: number;
  binary?: string;
}

interface Member {
  name: string;
  clientPort: number;
  peerPort: number;
  dataDir: string;
  logFile: string;
  proc?: ChildProcess;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export class EtcdCluster {
  readonly dir: string;
  private readonly members: Member[] = [];
  private readonly binary: string;
  private started = false;

  private constructor(dir: string, binary: string) {
    this.dir = dir;
    this.binary = binary;
  }

  /** Starts all members and waits until the cluster answers on every endpoint. */
  static async start(opts: EtcdClusterOptions = {}): Promise<EtcdCluster> {
    const n = opts.members ?? 3;
    const cluster = new EtcdCluster(mkdtempSync(join(tmpdir(), 'k8ts-etcd-')), opts.binary ?? 'etcd');
    try {
      for (let i = 0; i < n; i++) {
        cluster.members.push({
          name: `m${i}`,
          clientPort: await freePort(),
          peerPort: await freePort(),
          dataDir: join(cluster.dir, `m${i}`),
          logFile: join(cluster.dir, `m${i}.log`),
        });
      }
      for (let i = 0; i < n; i++) cluster.spawnMember(i, 'new');
      cluster.started = true;
      await Promise.all(cluster.members.map((_, i) => cluster.waitHealthy(i)));
      return cluster;
    } catch (err) {
      await cluster.close();
      throw err;
    }
  }

  get endpoints(): string[] {
    return this.members.map((m) => `127.0.0.1:${m.clientPort}`);
  }

  /** Log file of member i (for debugging failed tests). */
  logOf(i: number): string {
    return this.members[i].logFile;
  }

  isRunning(i: number): boolean {
    return this.members[i].proc !== undefined;
  }

  /** Stops member i (SIGTERM, then SIGKILL after 5 s) and waits for it to exit. */
  async stop(i: number, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const proc = this.members[i].proc;
    if (!proc) return;
    this.members[i].proc = undefined;
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill(signal);
    const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }

  /** Restarts a stopped member on its existing data. Resolves once it serves its client port. */
  async start(i: number): Promise<void> {
    if (this.members[i].proc) return;
    this.spawnMember(i, 'existing');
    await this.waitListening(i);
  }

  async close(): Promise<void> {
    await Promise.all(this.members.map((_, i) => this.stop(i, 'SIGKILL')));
    rmSync(this.dir, { recursive: true, force: true });
  }

  private spawnMember(i: number, state: 'new' | 'existing'): void {
    const m = this.members[i];
    const initialCluster = this.members.map((x) => `${x.name}=http://127.0.0.1:${x.peerPort}`).join(',');
    const args = [
      `--name=${m.name}`,
      `--data-dir=${m.dataDir}`,
      `--listen-client-urls=http://127.0.0.1:${m.clientPort}`,
      `--advertise-client-urls=http://127.0.0.1:${m.clientPort}`,
      `--listen-peer-urls=http://127.0.0.1:${m.peerPort}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${m.peerPort}`,
      `--initial-cluster=${initialCluster}`,
      `--initial-cluster-state=${state}`,
      `--initial-cluster-token=k8ts-test`,
      // Short raft timers: failover tests should not wait for production election timeouts.
      '--heartbeat-interval=50',
      '--election-timeout=500',
      '--log-level=warn',
      '--logger=zap',
    ];
    const log = openSync(m.logFile, 'a');
    const proc = spawn(this.binary, args, { stdio: ['ignore', log, log] });
    closeSync(log);
    proc.once('exit', () => {
      if (m.proc === proc) m.proc = undefined;
    });
    m.proc = proc;
    proc.on('error', () => {
      if (m.proc === proc) m.proc = undefined;
    });
  }

  private async waitListening(i: number, timeoutMs = 15_000): Promise<void> {
    const m = this.members[i];
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!m.proc) throw new Error(`etcd member ${m.name} exited; see ${m.logFile}`);
      try {
        const res = await fetch(`http://127.0.0.1:${m.clientPort}/version`, { signal: AbortSignal.timeout(500) });
        if (res.ok) return;
      } catch {
        // not up yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`etcd member ${m.name} did not start; see ${m.logFile}`);
  }

  private async waitHealthy(i: number, timeoutMs = 20_000): Promise<void> {
    await this.waitListening(i, timeoutMs);
    const m = this.members[i];
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      try {
        const res = await fetch(`http://127.0.0.1:${m.clientPort}/health`, { signal: AbortSignal.timeout(1000) });
        const body = (await res.json()) as { health?: string };
        if (body.health === 'true') return;
      } catch {
        // electing
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`etcd member ${m.name} not healthy; see ${m.logFile}`);
  }
}
