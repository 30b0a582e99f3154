// The k8s "channel" stream protocol over WebSocket (v4/v5.channel.k8s.io and the base64 variants
// are not offered by kubectl or client-node, so only the binary ones exist here): byte 0 of each
// binary message is the channel, the rest its payload. Also the exit Status sent on the error channel.

export const STDIN = 0;
export const STDOUT = 1;
export const STDERR = 2;
export const ERROR = 3;
export const RESIZE = 4;
/** v5 only: `[255, ch]` half-closes a channel. */
export const CLOSE = 255;

export const CHANNEL_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'] as const;
export const SPDY_PORTFORWARD_OVER_WS = 'SPDY/3.1+portforward.k8s.io';

export function encodeChannel(channel: number, payload: Uint8Array | string): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const out = Buffer.allocUnsafe(body.length + 1);
  out[0] = channel;
  out.set(body, 1);
  return out;
}

export interface ChannelMessage {
  channel: number;
  payload: Buffer;
}

export function decodeChannel(data: Buffer): ChannelMessage | undefined {
  if (data.length === 0) return undefined;
  return { channel: data[0]!, payload: data.subarray(1) };
}

/** Chooses the subprotocol the way upstream does: the first of ours the client offered. */
export function pickProtocol(offered: Iterable<string>, supported: readonly string[]): string | undefined {
  const set = new Set([...offered].map((p) => p.trim()));
  return supported.find((p) => set.has(p));
}

export interface ExecStatus {
  metadata: Record<string, never>;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  details?: { causes: { reason: string; message: string }[] };
}

/** The Status that ends an exec/attach stream; kubectl turns NonZeroExitCode into its own exit code. */
export function exitStatus(exitCode: number | null, signal?: string | null): ExecStatus {
  if (exitCode === 0) return { metadata: {}, status: 'Success' };
  const code = exitCode ?? (signal ? 128 + signalNumber(signal) : 1);
  return {
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: error executing command [...], exit code ${code}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(code) }] },
  };
}

export function errorStatus(message: string): ExecStatus {
  return { metadata: {}, status: 'Failure', message };
}

function signalNumber(sig: string): number {
  const table: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGSEGV: 11, SIGPIPE: 13, SIGTERM: 15 };
  return table[sig] ?? 0;
}

export interface TerminalSize {
  width: number;
  height: number;
}

export function parseResize(payload: Buffer): TerminalSize | undefined {
  try {
    const v = JSON.parse(payload.toString('utf8')) as { Width?: number; Height?: number };
    if (typeof v.Width === 'number' && typeof v.Height === 'number') return { width: v.Width, height: v.Height };
  } catch {
    /* a malformed resize is ignored, as upstream does */
  }
  return undefined;
}

/** client-node port-forward: the first message on each channel starts with the port, little-endian. */
export function portPrefix(port: number): Buffer {
  const b = Buffer.allocUnsafe(2);
  b.writeUInt16LE(port, 0);
  return b;
}
