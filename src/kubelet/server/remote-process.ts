// The process behind an exec or attach session, whatever runs it: a `ctr task exec` child bridged
// over pipes, or the container runtime's own streaming endpoint (CRI Exec/Attach URL, spoken to
// with the WebSocket channel protocol). Front-ends (WebSocket, SPDY) only see this interface.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { PassThrough, type Readable, type Writable } from 'node:stream';
import WebSocket from 'ws';
import { ERROR, RESIZE, STDERR, STDIN, STDOUT, decodeChannel, encodeChannel, type ExecStatus, type TerminalSize } from './channel-protocol.js';

export interface ProcessResult {
  exitCode: number | null;
  signal: string | null;
  /** A runtime failure that is not an exit code (shown to the user as is). */
  error?: string;
}

export interface RemoteProcess {
  stdin: Writable | null;
  stdout: Readable | null;
  stderr: Readable | null;
  resize(size: TerminalSize): void;
  kill(): void;
  wait(): Promise<ProcessResult>;
}

export interface ProcessRequest {
  containerId: string;
  command: string[];
  tty: boolean;
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
}

export type ProcessStarter = (req: ProcessRequest) => Promise<RemoteProcess>;

function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Runs a plain local command; the building block for ctr and for tests. */
export function spawnProcess(argv: string[], opts: { tty: boolean; stdin: boolean }): RemoteProcess {
  // ctr -t and shells want a terminal on stdin; `script` gives the child a pty of its own.
  const cmd = opts.tty ? ['script', '-qfec', argv.map(shellQuote).join(' '), '/dev/null'] : argv;
  const child = spawn(cmd[0]!, cmd.slice(1), { stdio: [opts.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
  const exited = new Promise<ProcessResult>((resolve) => {
    child.once('error', (err) => resolve({ exitCode: null, signal: null, error: err.message }));
    child.once('close', (code, signal) => resolve({ exitCode: code, signal }));
  });
  child.stdin?.on('error', () => undefined);
  return {
    stdin: child.stdin,
    stdout: child.stdout,
    stderr: child.stderr,
    resize: () => undefined, // the pty belongs to `script`; its size cannot be set from here
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
    wait: () => exited,
  };
}

/** exec through containerd's CLI: `ctr task exec` joins the container's namespaces and cgroup. */
export function ctrExecStarter(opts: { ctrPath?: string; address: string; namespace?: string }): ProcessStarter {
  return async (req) => {
    const argv = [opts.ctrPath ?? 'ctr', '-a', opts.address, '-n', opts.namespace ?? 'k8s.io', 'task', 'exec', '--exec-id', `k8ts-${randomBytes(6).toString('hex')}`];
    if (req.tty) argv.push('--tty');
    argv.push(req.containerId, ...req.command);
    return spawnProcess(argv, { tty: req.tty, stdin: req.stdin });
  };
}

/** How long the output must be quiet after stdin ended before a v4 session is ended for it. */
const STDIN_END_QUIET_MS = 1_000;

/**
 * Speaks v4.channel.k8s.io to a CRI streaming URL (the runtime's Exec/Attach answer). v4 has no
 * half-close, so the end of stdin closes the connection as the v4 client-side convention does.
 */
export async function criStreamingProcess(url: string, req: Pick<ProcessRequest, 'tty' | 'stdin' | 'stdout' | 'stderr'>): Promise<RemoteProcess> {
  const ws = new WebSocket(url, ['v4.channel.k8s.io'], { perMessageDeflate: false });
  // Listen before 'open' resolves anything: a short command's output may arrive with the upgrade
  // answer and be emitted before a continuation after `await open` could attach a listener.
  const opened = new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
    ws.once('unexpected-response', (_r, res) => reject(new Error(`runtime streaming server answered ${res.statusCode}`)));
  });
  const stdout = req.stdout ? new PassThrough() : null;
  const stderr = req.stderr && !req.tty ? new PassThrough() : null;
  let status: ExecStatus | undefined;
  let lastOutputAt = Date.now();
  const done = new Promise<ProcessResult>((resolve) => {
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (!isBinary) return;
      const m = decodeChannel(data);
      if (!m) return;
      if (m.channel === STDOUT || m.channel === STDERR) lastOutputAt = Date.now();
      if (m.channel === STDOUT) stdout?.write(m.payload);
      else if (m.channel === STDERR) stderr?.write(m.payload);
      else if (m.channel === ERROR && m.payload.length) {
        try {
          status = JSON.parse(m.payload.toString('utf8')) as ExecStatus;
        } catch {
          status = { metadata: {}, status: 'Failure', message: m.payload.toString('utf8') };
        }
      }
    });
    ws.once('close', () => {
      stdout?.end();
      stderr?.end();
      resolve(statusToResult(status));
    });
    ws.once('error', () => undefined);
  });
  await opened;
  let stdin: Writable | null = null;
  if (req.stdin) {
    const pt = new PassThrough();
    pt.on('data', (c: Buffer) => ws.readyState === WebSocket.OPEN && ws.send(encodeChannel(STDIN, c)));
    // v4 cannot half-close: the end of stdin has to end the connection, which the runtime takes as
    // the end of stdin (a stdinOnce container's stdin closes). Answers to the last input still
    // arrive first: the connection ends once the output has been quiet for a moment.
    pt.on('end', () => {
      const timer = setInterval(() => {
        if (ws.readyState !== WebSocket.OPEN) clearInterval(timer);
        else if (Date.now() - lastOutputAt >= STDIN_END_QUIET_MS) {
          clearInterval(timer);
          ws.close(1000);
        }
      }, STDIN_END_QUIET_MS / 4);
      timer.unref();
    });
    stdin = pt;
  }
  return {
    stdin,
    stdout,
    stderr,
    resize: (size) => {
      if (ws.readyState === WebSocket.OPEN) ws.send(encodeChannel(RESIZE, JSON.stringify({ Width: size.width, Height: size.height })));
    },
    kill: () => ws.terminate(),
    wait: () => done,
  };
}

export function statusToResult(status: ExecStatus | undefined): ProcessResult {
  if (!status || status.status === 'Success') return { exitCode: 0, signal: null };
  const cause = status.details?.causes?.find((c) => c.reason === 'ExitCode');
  if (status.reason === 'NonZeroExitCode' && cause) return { exitCode: Number(cause.message), signal: null };
  return { exitCode: null, signal: null, error: status.message ?? 'unknown error' };
}
