// Supervises the node's own containerd: writes its configuration under <dataDir>/agent, starts
// it as a child in its own process group, restarts it if it dies, imports the air-gap image
// tarballs, and stops it (by pid) when the agent stops. It never touches containers itself:
// containers outlive a containerd restart by design (their shims keep them running).
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Logger } from 'pino';
import { CriClient } from '../cri/cri-client.js';
import { ensureBuiltinImages, imagesDir } from '../images/oci-image.js';
import {
  containerdPaths,
  parseRegistries,
  renderConfigToml,
  renderHostsTomls,
  type ContainerdPaths,
  type RegistriesConfig,
} from './containerd-config.js';
import { checkPrerequisites } from './prerequisites.js';

const execFileAsync = promisify(execFile);

export interface ContainerdSupervisorOptions {
  dataDir: string;
  logger: Logger;
  cniBinDir?: string;
  /** how long to wait for the socket to answer (default 30 s) */
  startTimeoutMs?: number;
  /** skip writing the built-in pause/busybox images (tests that provide their own) */
  skipBuiltinImages?: boolean;
}

const STOP_GRACE_MS = 10_000;
const RESTART_BACKOFF_MS = [1_000, 2_000, 5_000, 10_000];

export class ContainerdSupervisor {
  readonly paths: ContainerdPaths;
  private readonly cniBinDir: string;
  private child: ChildProcess | undefined;
  private stopping = false;
  private restarts = 0;
  private binaries: { containerd?: string; ctr?: string } = {};
  private readonly killOnExit = () => {
    if (this.child?.pid) {
      try {
        process.kill(this.child.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
  };

  constructor(private readonly opts: ContainerdSupervisorOptions) {
    this.paths = containerdPaths(opts.dataDir);
    this.cniBinDir = opts.cniBinDir ?? '/usr/lib/cni';
  }

  get socketPath(): string {
    return this.paths.socket;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /**
   * Checks prerequisites, writes config, starts containerd, waits until CRI answers and imports
   * the image tarballs. The signal stops containerd when aborted.
   */
  async start(signal: AbortSignal): Promise<void> {
    this.stopping = false;
    this.restarts = 0;
    this.binaries = checkPrerequisites({ cniBinDir: this.cniBinDir, needContainerd: true });
    await this.writeConfig();
    if (!this.opts.skipBuiltinImages) await ensureBuiltinImages(this.opts.dataDir);
    signal.addEventListener('abort', () => void this.stop(), { once: true });
    process.removeListener('exit', this.killOnExit);
    process.once('exit', this.killOnExit);
    await this.spawnAndWait();
    await this.importImages();
  }

  private async writeConfig(): Promise<void> {
    const p = this.paths;
    for (const d of [p.dir, p.root, p.state, p.cniConfDir]) await mkdir(d, { recursive: true });
    const registries = await this.readRegistries();
    await writeFile(p.config, renderConfigToml({ paths: p, cniBinDir: this.cniBinDir, registries }));
    // certs.d is derived wholly from registries.yaml: rebuild it so removed mirrors disappear.
    await rm(p.certsDir, { recursive: true, force: true });
    await mkdir(p.certsDir, { recursive: true });
    for (const [dir, toml] of renderHostsTomls(registries)) {
      await mkdir(join(p.certsDir, dir), { recursive: true });
      await writeFile(join(p.certsDir, dir, 'hosts.toml'), toml);
    }
  }

  private async readRegistries(): Promise<RegistriesConfig> {
    const file = join(this.opts.dataDir, 'registries.yaml');
    const text = await readFile(file, 'utf8').catch(() => undefined);
    if (text === undefined) return {};
    try {
      return parseRegistries(text);
    } catch (err) {
      throw new Error(`${file}: ${(err as Error).message}`);
    }
  }

  private async spawnAndWait(): Promise<void> {
    await rm(this.paths.socket, { force: true });
    const logFd = openSync(this.paths.log, 'a');
    const child = spawn(this.binaries.containerd!, ['--config', this.paths.config], {
      detached: true, // own process group: a terminal's Ctrl-C reaches us, and we stop it in order
      stdio: ['ignore', logFd, logFd],
    });
    closeSync(logFd);
    this.child = child;
    this.opts.logger.info({ pid: child.pid, socket: this.paths.socket }, 'containerd started');
    let exited: { code: number | null; sig: NodeJS.Signals | null } | undefined;
    child.once('exit', (code, sig) => {
      exited = { code, sig };
      this.onExit(child, code, sig);
    });
    child.once('error', (err) => this.opts.logger.error({ err }, 'containerd failed to spawn'));

    const cri = new CriClient(this.paths.socket, { timeoutMs: 2_000 });
    const deadline = Date.now() + (this.opts.startTimeoutMs ?? 30_000);
    try {
      for (;;) {
        if (exited) throw new Error(`containerd exited (${exited.code ?? exited.sig}) during start-up; ${this.logTail()}`);
        if (existsSync(this.paths.socket)) {
          try {
            await cri.runtime.version({});
            return;
          } catch {
            /* CRI plugin still loading */
          }
        }
        if (Date.now() > deadline) throw new Error(`containerd did not answer on ${this.paths.socket}; ${this.logTail()}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    } finally {
      cri.close();
    }
  }

  private onExit(child: ChildProcess, code: number | null, sig: NodeJS.Signals | null): void {
    if (this.child !== child) return;
    if (this.stopping) return;
    const delay = RESTART_BACKOFF_MS[Math.min(this.restarts, RESTART_BACKOFF_MS.length - 1)]!;
    this.restarts++;
    this.opts.logger.error({ code, signal: sig, restartInMs: delay }, `containerd exited unexpectedly; ${this.logTail()}`);
    setTimeout(() => {
      if (this.stopping) return;
      this.spawnAndWait().then(
        () => (this.restarts = 0),
        (err) => this.opts.logger.error({ err }, 'containerd restart failed'),
      );
    }, delay).unref();
  }

  private logTail(lines = 5): string {
    try {
      const text = readFileSync(this.paths.log, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
      return `last log lines (${this.paths.log}):\n${text}`;
    } catch {
      return `no log at ${this.paths.log}`;
    }
  }

  /**
   * Imports <dataDir>/images/*.tar (the user's air-gap images) and <dataDir>/agent/images/*.tar.
   * A tarball already imported into this containerd root, unchanged since, is skipped: the stamp
   * lives inside the root so wiping the root re-imports everything.
   */
  async importImages(): Promise<string[]> {
    const dirs = [join(this.opts.dataDir, 'images'), imagesDir(this.opts.dataDir)];
    const stampFile = join(this.paths.root, 'k8ts-imported.json');
    const stamps: Record<string, string> = JSON.parse(await readFile(stampFile, 'utf8').catch(() => '{}'));
    const imported: string[] = [];
    for (const dir of dirs) {
      const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.tar')).sort();
      for (const f of files) {
        const file = join(dir, f);
        const st = await stat(file).catch(() => undefined);
        if (!st) continue;
        const stamp = `${st.size}:${st.mtimeMs}`;
        if (stamps[file] === stamp) continue;
        // One at a time: images often share layers, and parallel ingests of one blob collide.
        try {
          await execFileAsync(this.binaries.ctr!, ['-a', this.paths.socket, '-n', 'k8s.io', 'images', 'import', file], { timeout: 5 * 60_000 });
          stamps[file] = stamp;
          imported.push(file);
        } catch (err) {
          this.opts.logger.error({ file, stderr: (err as { stderr?: string }).stderr?.trim() }, 'image import failed');
        }
      }
    }
    if (imported.length) await writeFile(stampFile, JSON.stringify(stamps));
    this.opts.logger.info({ count: imported.length }, 'images imported');
    return imported;
  }

  /** Stops containerd: SIGTERM to its pid, SIGKILL after a grace period. Idempotent. */
  async stop(): Promise<void> {
    this.stopping = true;
    process.removeListener('exit', this.killOnExit);
    const child = this.child;
    if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return;
    const done = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    await done;
    clearTimeout(timer);
    this.opts.logger.info({ pid: child.pid }, 'containerd stopped');
  }
}
