/**
 * Test clusters: starts a real `k8ts server` (the built dist, through bin/k8ts.js) on a free loopback port
 * with a temporary data dir, waits for /readyz, and hands out a kubectl bound to its admin kubeconfig.
 *
 * Owns: the server child process it started (stopped by pid) and the temp dirs it created. A cluster
 * reused through K8TS_TEST_KUBECONFIG belongs to whoever started it (scripts/run-tests.js), so stop() on it
 * only removes this process's kubectl home. Never reads or writes the cluster's store directly.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import {
  runKubectl, streamKubectl, type KubectlOptions, type KubectlResult, type KubectlStream, type KubectlTarget,
} from './kubectl.js';

/** The environment variable through which a runner shares one server with many test files. */
export const SHARED_KUBECONFIG_ENV = 'K8TS_TEST_KUBECONFIG';

export interface ClusterOptions {
  /** default true: no node agent, so tests need neither root nor containerd */
  noAgent?: boolean;
  /** extra `k8ts server` flags, e.g. ['--datastore-endpoint', 'etcd://127.0.0.1:2379'] */
  extraArgs?: string[];
  readyTimeoutMs?: number;
  /** default true; false forces a private server even when K8TS_TEST_KUBECONFIG is set */
  reuseShared?: boolean;
  /** writes files the server reads at start (e.g. registries.yaml) into its fresh data dir */
  prepareDataDir?: (dataDir: string) => void;
}

export interface Cluster {
  dataDir: string;
  port: number;
  kubeconfig: string;
  /** https://127.0.0.1:PORT */
  url: string;
  /** true when this process started the server (and stop() will stop it) */
  owned: boolean;
  kubectl(args: readonly string[], opts?: KubectlOptions): Promise<KubectlResult>;
  /** a long-running kubectl such as `get -w`; stop it when done */
  kubectlStream(args: readonly string[], kubeconfig?: string): KubectlStream;
  /** the server's recent stdout+stderr (owned clusters only) */
  serverLog(): string;
  stop(): Promise<void>;
}

export interface KubeconfigCredentials {
  server: string;
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  token?: string;
  insecure: boolean;
}

/** The repository root: the nearest ancestor holding bin/k8ts.js (works from test/ and from dist/test/). */
export function repoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(path.join(dir, 'bin', 'k8ts.js')) && existsSync(path.join(dir, 'package.json'))) return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new Error('cannot find the k8ts repository root (bin/k8ts.js)');
    dir = up;
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

function dataField(obj: Record<string, unknown> | undefined, key: string): Buffer | undefined {
  const data = obj?.[`${key}-data`];
  if (typeof data === 'string') return Buffer.from(data, 'base64');
  const file = obj?.[key];
  if (typeof file === 'string') return readFileSync(file);
  return undefined;
}

/** Reads the current context's server and credentials from a kubeconfig file. */
export function readKubeconfig(file: string): KubeconfigCredentials {
  const cfg = YAML.parse(readFileSync(file, 'utf8')) as Record<string, any>;
  const ctxName = cfg['current-context'];
  const ctx = (cfg.contexts ?? []).find((c: any) => c.name === ctxName)?.context ?? cfg.contexts?.[0]?.context;
  const cluster = (cfg.clusters ?? []).find((c: any) => c.name === ctx?.cluster)?.cluster ?? cfg.clusters?.[0]?.cluster;
  const user = (cfg.users ?? []).find((u: any) => u.name === ctx?.user)?.user ?? cfg.users?.[0]?.user;
  if (!cluster?.server) throw new Error(`${file}: no cluster server`);
  return {
    server: cluster.server,
    ca: dataField(cluster, 'certificate-authority'),
    cert: dataField(user, 'client-certificate'),
    key: dataField(user, 'client-key'),
    token: typeof user?.token === 'string' ? user.token : undefined,
    insecure: cluster['insecure-skip-tls-verify'] === true,
  };
}

/** One GET over HTTPS with the kubeconfig's CA and credentials; resolves with status and body. */
export function httpsGet(creds: KubeconfigCredentials, urlPath: string, timeoutMs = 5000): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.get(new URL(urlPath, creds.server), {
      ca: creds.ca,
      cert: creds.cert,
      key: creds.key,
      rejectUnauthorized: !creds.insecure && creds.ca !== undefined,
      headers: creds.token ? { authorization: `Bearer ${creds.token}` } : {},
      timeout: timeoutMs,
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until the kubeconfig exists and GET /readyz answers 200 "ok". */
export async function waitReady(kubeconfig: string, timeoutMs: number, alive: () => string | null = () => null): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'kubeconfig not written yet';
  while (Date.now() < deadline) {
    const dead = alive();
    if (dead) throw new Error(`server exited before it was ready: ${dead}`);
    if (existsSync(kubeconfig)) {
      try {
        const res = await httpsGet(readKubeconfig(kubeconfig), '/readyz', 2000);
        if (res.status === 200 && res.body.trim() === 'ok') return;
        last = `/readyz ${res.status}: ${res.body.slice(0, 200)}`;
      } catch (e) {
        last = (e as Error).message;
      }
    }
    await sleep(200);
  }
  throw new Error(`server not ready after ${timeoutMs} ms: ${last}`);
}

function makeKubectlHome(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'k8ts-kubectl-'));
}

function clusterApi(target: KubectlTarget, base: Omit<Cluster, 'kubectl' | 'kubectlStream'>): Cluster {
  return {
    ...base,
    kubectl: (args, opts) => runKubectl(target, args, opts),
    kubectlStream: (args, kubeconfig) => streamKubectl(target, args, kubeconfig),
  };
}

/** Attaches to a server somebody else started, described by its admin kubeconfig. */
export async function attachCluster(kubeconfig: string): Promise<Cluster> {
  await waitReady(kubeconfig, 30_000);
  const url = readKubeconfig(kubeconfig).server.replace(/\/+$/, '');
  const home = makeKubectlHome();
  return clusterApi({ kubeconfig, home }, {
    dataDir: path.dirname(kubeconfig),
    port: Number(new URL(url).port || 443),
    kubeconfig,
    url,
    owned: false,
    serverLog: () => '',
    async stop() {
      rmSync(home, { recursive: true, force: true });
    },
  });
}

const LOG_KEEP = 256 * 1024;

/** Starts a private server. Prefer useCluster() in test files so a runner can share one server. */
export async function startCluster(opts: ClusterOptions = {}): Promise<Cluster> {
  const root = repoRoot();
  if (!existsSync(path.join(root, 'dist', 'src', 'cli', 'main.js'))) {
    throw new Error('dist/src/cli/main.js is missing: run `npm run build` first');
  }
  const port = await freePort();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'k8ts-e2e-'));
  const kubeconfig = path.join(dataDir, 'kubeconfig.yaml');
  opts.prepareDataDir?.(dataDir);
  const home = makeKubectlHome();
  // Listen on loopback only: tests never expose a server to the network.
  const args = [path.join(root, 'bin', 'k8ts.js'), 'server', '--data-dir', dataDir, '--https-port', String(port),
    '--bind-address', '127.0.0.1'];
  if (opts.noAgent ?? true) args.push('--no-agent');
  args.push(...(opts.extraArgs ?? []));

  let log = '';
  const keep = (b: Buffer) => {
    log += b.toString('utf8');
    if (log.length > LOG_KEEP * 2) log = log.slice(-LOG_KEEP);
    if (process.env.K8TS_TEST_SERVER_LOG === '1') process.stderr.write(b);
  };
  // Its own process group, so that stop() also reaches anything the server starts (e.g. containerd).
  const child: ChildProcess = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const signal = (sig: NodeJS.Signals) => {
    if (child.pid === undefined) return;
    try { process.kill(-child.pid, sig); } catch { try { process.kill(child.pid, sig); } catch { /* gone */ } }
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  let exitInfo: string | null = null;
  const exited = new Promise<void>((resolve) => child.on('exit', (code, signal) => {
    exitInfo = `code ${code} signal ${signal}\n${log.slice(-4000)}`;
    resolve();
  }));
  // If the test process dies without calling stop(), do not leave a server behind.
  const killOnExit = () => { if (exitInfo === null) signal('SIGKILL'); };
  process.once('exit', killOnExit);

  const cleanupDirs = () => {
    rmSync(home, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  };
  const stopServer = async () => {
    if (exitInfo === null) {
      signal('SIGTERM');
      const forced = setTimeout(() => signal('SIGKILL'), 10_000);
      await exited;
      clearTimeout(forced);
    }
    process.removeListener('exit', killOnExit);
    cleanupDirs();
  };

  try {
    await waitReady(kubeconfig, opts.readyTimeoutMs ?? 60_000, () => exitInfo);
  } catch (e) {
    await stopServer();
    throw new Error(`${(e as Error).message}\n--- server log ---\n${log.slice(-4000)}`);
  }
  return clusterApi({ kubeconfig, home }, {
    dataDir,
    port,
    kubeconfig,
    url: `https://127.0.0.1:${port}`,
    owned: true,
    serverLog: () => log,
    stop: stopServer,
  });
}

/**
 * The cluster a test file should use: the runner's shared server when K8TS_TEST_KUBECONFIG is set,
 * otherwise a private one started for this file.
 */
export async function useCluster(opts: ClusterOptions = {}): Promise<Cluster> {
  const shared = process.env[SHARED_KUBECONFIG_ENV];
  if (shared && (opts.reuseShared ?? true)) return attachCluster(shared);
  return startCluster(opts);
}
