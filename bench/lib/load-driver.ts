// Parent side of the load client: forks bench/lib/load-client in its own process (compiled .js
// under dist/, .ts under tsx) and runs one LoadSpec at a time on it.
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { LoadReply, LoadSpec, Target, WatchResult } from './protocol.js';
import type { LatencySummary } from './stats.js';

/** The 2.8 KB reference Pod of the research baselines. */
export const POD_JSON_PATH = '/work/shared/research/bench/pod.json';

function clientEntry(): string {
  const here = fileURLToPath(import.meta.url);
  const ext = here.endsWith('.ts') ? '.ts' : '.js';
  const entry = here.replace(/load-driver\.(ts|js)$/, `load-client${ext}`);
  if (!existsSync(entry)) throw new Error(`load client not found at ${entry}`);
  return entry;
}

export class LoadClient {
  private readonly child: ChildProcess;
  private readonly podJson: string;
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve(r: unknown): void; reject(e: Error): void }>();

  constructor(podJsonPath = POD_JSON_PATH) {
    this.podJson = readFileSync(podJsonPath, 'utf8');
    // A CPU profile of the server process should not also profile the client.
    const execArgv = process.execArgv.filter((a) => !a.startsWith('--cpu-prof') && !a.startsWith('--heap-prof'));
    this.child = fork(clientEntry(), [], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child.on('message', (m: LoadReply) => {
      const w = this.waiting.get(m.id);
      if (!w) return;
      this.waiting.delete(m.id);
      if (m.ok) w.resolve(m.result);
      else w.reject(new Error(m.error));
    });
    this.child.on('exit', (code) => {
      for (const w of this.waiting.values()) w.reject(new Error(`load client exited with ${code}`));
      this.waiting.clear();
    });
  }

  run(target: Target, spec: Extract<LoadSpec, { kind: 'watch' }>): Promise<WatchResult>;
  run(target: Target, spec: Exclude<LoadSpec, { kind: 'watch' }>): Promise<LatencySummary>;
  run(target: Target, spec: LoadSpec): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.child.send({ id, target, podJson: this.podJson, spec });
    });
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((r) => this.child.once('exit', () => r()));
    this.child.disconnect();
    await exited;
  }
}
