/**
 * Runs the real `kubectl` binary against a test cluster.
 *
 * Owns: process spawning for kubectl, per-cluster isolation of its caches (HOME and --cache-dir, because the
 * dispatcher kubectl caches /version and discovery on disk), and line-by-line capture of long-running
 * `get -w` processes. Never touches the server process or the cluster's data dir.
 */
import { spawn, type ChildProcess } from 'node:child_process';

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface KubectlOptions {
  /** written to stdin, then stdin is closed (stdin is always closed so kubectl never waits for a prompt) */
  input?: string;
  /** when false (the default) a non-zero exit throws with stderr in the message */
  allowFail?: boolean;
  /** kill the process after this many ms; the result then has code 124 like timeout(1) */
  timeoutMs?: number;
  /** use this kubeconfig instead of the cluster's admin one */
  kubeconfig?: string;
}

/** Where a kubectl invocation points: the admin kubeconfig and a private home for its caches. */
export interface KubectlTarget {
  kubeconfig: string;
  home: string;
}

const KUBECTL = process.env.K8TS_TEST_KUBECTL ?? 'kubectl';
const DEFAULT_TIMEOUT_MS = 60_000;

function kubectlEnv(home: string): NodeJS.ProcessEnv {
  // A private HOME keeps the user's ~/.kube/config and caches out of the tests and vice versa.
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: home };
  delete env.KUBECONFIG;
  return env;
}

/**
 * kubectl runs in its own process group and is stopped through it: the dispatcher kubectl may run the
 * real kubectl as a child, which would otherwise outlive a signal sent to the dispatcher alone.
 */
function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    try { process.kill(pid, signal); } catch { /* already gone */ }
  }
}

function fullArgs(target: KubectlTarget, args: readonly string[], kubeconfig?: string): string[] {
  return ['--kubeconfig', kubeconfig ?? target.kubeconfig, '--cache-dir', `${target.home}/.kube/cache`, ...args];
}

export function runKubectl(target: KubectlTarget, args: readonly string[], opts: KubectlOptions = {}): Promise<KubectlResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(KUBECTL, fullArgs(target, args, opts.kubeconfig), {
      env: kubectlEnv(target.home),
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid, 'SIGKILL');
    }, opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.stdin.on('error', () => {}); // kubectl may exit before reading stdin
    child.stdin.end(opts.input ?? '');
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      const result: KubectlResult = {
        code: timedOut ? 124 : (code ?? 1),
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      };
      if (result.code !== 0 && !opts.allowFail) {
        reject(new Error(`kubectl ${args.join(' ')} exited ${result.code}${timedOut ? ' (timed out)' : ''}\n` +
          `stderr: ${result.stderr}\nstdout: ${result.stdout}`));
        return;
      }
      resolve(result);
    });
  });
}

/** A long-running kubectl (e.g. `get -w`) whose output is collected line by line. */
export interface KubectlStream {
  readonly lines: string[];
  readonly stderr: () => string;
  /** resolves with the first line (already seen or future) matching re; rejects after timeoutMs */
  waitForLine(re: RegExp, timeoutMs?: number): Promise<string>;
  /** kills the process group it started (SIGTERM) and resolves once the process has exited */
  stop(): Promise<void>;
}

export function streamKubectl(target: KubectlTarget, args: readonly string[], kubeconfig?: string): KubectlStream {
  const child: ChildProcess = spawn(KUBECTL, fullArgs(target, args, kubeconfig), {
    env: kubectlEnv(target.home),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const lines: string[] = [];
  const waiters = new Set<{ re: RegExp; resolve: (l: string) => void; fail: () => void }>();
  let partial = '';
  let stderr = '';
  let exited = false;
  const exit = new Promise<void>((resolve) => child.on('close', () => {
    exited = true;
    // a watch that died will never print the awaited line: fail now, not at the timeout
    for (const w of waiters) w.fail();
    waiters.clear();
    resolve();
  }));
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (chunk: string) => {
    partial += chunk;
    let nl: number;
    while ((nl = partial.indexOf('\n')) >= 0) {
      const line = partial.slice(0, nl);
      partial = partial.slice(nl + 1);
      lines.push(line);
      for (const w of waiters) {
        if (w.re.test(line)) {
          waiters.delete(w);
          w.resolve(line);
        }
      }
    }
  });
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => { stderr += chunk; });
  return {
    lines,
    stderr: () => stderr,
    waitForLine(re, timeoutMs = 15_000) {
      const seen = lines.find((l) => re.test(l));
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const fail = () => {
          clearTimeout(timer);
          reject(new Error(`kubectl ${args.join(' ')}: no line matching ${re} ` +
            `${exited ? 'before it exited' : `within ${timeoutMs} ms`}\nlines: ${JSON.stringify(lines)}\nstderr: ${stderr}`));
        };
        const w = { re, resolve: (l: string) => { clearTimeout(timer); resolve(l); }, fail };
        const timer = setTimeout(() => {
          waiters.delete(w);
          fail();
        }, timeoutMs);
        if (exited) fail();
        else waiters.add(w);
      });
    },
    async stop() {
      if (!exited) killGroup(child.pid, 'SIGTERM');
      await exit;
    },
  };
}
