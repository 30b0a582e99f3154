// Reading container logs in the CRI file format the runtime writes: one entry per line,
// `<RFC3339Nano time> <stdout|stderr> <F|P> <message>` (P marks a partial line continued by the
// next entry). Pure parsing and selection here; the follow loop reads new bytes as they arrive.
import { open, type FileHandle } from 'node:fs/promises';
import { sleep } from '../../util/sleep.js';

export interface LogEntry {
  time: string; // as written (RFC3339Nano)
  timeMs: number;
  stream: 'stdout' | 'stderr';
  partial: boolean;
  message: Buffer;
}

export interface LogOptions {
  follow: boolean;
  previous: boolean;
  timestamps: boolean;
  tailLines?: number;
  sinceTimeMs?: number; // sinceSeconds is turned into this against the request time
  limitBytes?: number;
}

/** Parses one line (without its newline); undefined for a malformed line. */
export function parseLogLine(line: Buffer): LogEntry | undefined {
  const s1 = line.indexOf(0x20);
  if (s1 <= 0) return undefined;
  const s2 = line.indexOf(0x20, s1 + 1);
  if (s2 < 0) return undefined;
  const stream = line.toString('latin1', s1 + 1, s2);
  if (stream !== 'stdout' && stream !== 'stderr') return undefined;
  const time = line.toString('latin1', 0, s1);
  // The tag field may carry more than F/P in future versions (colon-separated); only P matters.
  let s3 = line.indexOf(0x20, s2 + 1);
  if (s3 < 0) s3 = line.length;
  const tag = line.toString('latin1', s2 + 1, s3);
  const timeMs = Date.parse(time);
  return { time, timeMs: Number.isNaN(timeMs) ? 0 : timeMs, stream, partial: tag.split(':')[0] === 'P', message: line.subarray(Math.min(s3 + 1, line.length)) };
}

/** Splits bytes into complete lines; returns the lines and the unterminated rest. */
export function splitLines(buf: Buffer): { lines: Buffer[]; rest: Buffer } {
  const lines: Buffer[] = [];
  let start = 0;
  for (let i = buf.indexOf(0x0a); i >= 0; i = buf.indexOf(0x0a, start)) {
    lines.push(buf.subarray(start, i));
    start = i + 1;
  }
  return { lines, rest: buf.subarray(start) };
}

/** How one entry appears in the response. */
export function formatEntry(e: LogEntry, timestamps: boolean): Buffer {
  const parts: Buffer[] = [];
  if (timestamps) parts.push(Buffer.from(e.time + ' '));
  parts.push(e.message);
  if (!e.partial) parts.push(Buffer.from('\n'));
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
}

/** The entries to print from a complete set: sinceTime first, then the last tailLines full lines. */
export function selectEntries(entries: LogEntry[], opts: Pick<LogOptions, 'tailLines' | 'sinceTimeMs'>): LogEntry[] {
  let out = opts.sinceTimeMs !== undefined ? entries.filter((e) => e.timeMs >= opts.sinceTimeMs!) : entries;
  if (opts.tailLines !== undefined) {
    if (opts.tailLines <= 0) return [];
    // Count full lines from the end; partial entries belong to the line they precede.
    let lines = 0;
    let i = out.length - 1;
    for (; i >= 0; i--) {
      if (!out[i]!.partial) {
        lines++;
        if (lines > opts.tailLines) break;
      }
    }
    out = out.slice(i + 1);
  }
  return out;
}

export class BadLogOptions extends Error {}

/** Reads the pods/log query the way upstream validates it. */
export function parseLogOptions(q: URLSearchParams, now: number): LogOptions {
  const bool = (k: string) => q.get(k) === 'true' || q.get(k) === '1';
  const int = (k: string): number | undefined => {
    const v = q.get(k);
    if (v === null || v === '') return undefined;
    const n = Number(v);
    if (!Number.isInteger(n)) throw new BadLogOptions(`${k}: Invalid value: "${v}": must be an integer`);
    return n;
  };
  const opts: LogOptions = { follow: bool('follow'), previous: bool('previous'), timestamps: bool('timestamps') };
  const tail = int('tailLines');
  if (tail !== undefined) {
    if (tail < 0) throw new BadLogOptions('tailLines: Invalid value: must be greater than or equal to 0');
    opts.tailLines = tail;
  }
  const limit = int('limitBytes');
  if (limit !== undefined) {
    if (limit < 1) throw new BadLogOptions('limitBytes: Invalid value: must be greater than 0');
    opts.limitBytes = limit;
  }
  const since = int('sinceSeconds');
  const sinceTime = q.get('sinceTime');
  if (since !== undefined && sinceTime) throw new BadLogOptions('at most one of `sinceTime` or `sinceSeconds` may be specified');
  if (since !== undefined) {
    if (since < 1) throw new BadLogOptions('sinceSeconds: Invalid value: must be greater than 0');
    opts.sinceTimeMs = now - since * 1000;
  } else if (sinceTime) {
    const t = Date.parse(sinceTime);
    if (Number.isNaN(t)) throw new BadLogOptions(`sinceTime: Invalid value: "${sinceTime}": must be RFC3339`);
    opts.sinceTimeMs = t;
  }
  return opts;
}

export interface LogSink {
  write(b: Buffer): void;
}

export interface StreamLogDeps {
  path: string;
  opts: LogOptions;
  sink: LogSink;
  /** While true, a follow keeps reading; checked after the file stops growing. */
  stillRunning(): Promise<boolean>;
  signal: AbortSignal;
  pollMs?: number;
}

/** Writes the selected log to sink; with follow, keeps tailing until the container stops. */
export async function streamLog(d: StreamLogDeps): Promise<void> {
  let budget = d.opts.limitBytes ?? Infinity;
  const emit = (e: LogEntry): boolean => {
    if (budget <= 0) return false;
    let b = formatEntry(e, d.opts.timestamps);
    if (b.length > budget) b = b.subarray(0, budget);
    budget -= b.length;
    d.sink.write(b);
    return budget > 0;
  };
  let fh: FileHandle;
  try {
    fh = await open(d.path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return; // no output yet
    throw err;
  }
  try {
    const { size } = await fh.stat();
    const initial = size ? await readRange(fh, 0, size) : Buffer.alloc(0);
    let { lines, rest } = splitLines(initial);
    let pos = size;
    const entries: LogEntry[] = [];
    for (const l of lines) {
      const e = parseLogLine(l);
      if (e) entries.push(e);
    }
    for (const e of selectEntries(entries, d.opts)) if (!emit(e)) return;
    if (!d.opts.follow) return;
    const poll = d.pollMs ?? 100;
    let idleChecks = 0;
    while (!d.signal.aborted && budget > 0) {
      const st = await fh.stat();
      if (st.size < pos) pos = 0; // truncated or rotated in place
      if (st.size > pos) {
        idleChecks = 0;
        const chunk = await readRange(fh, pos, st.size - pos);
        pos = st.size;
        const split = splitLines(rest.length ? Buffer.concat([rest, chunk]) : chunk);
        rest = split.rest;
        for (const l of split.lines) {
          const e = parseLogLine(l);
          if (e && (d.opts.sinceTimeMs === undefined || e.timeMs >= d.opts.sinceTimeMs) && !emit(e)) return;
        }
        continue;
      }
      // Nothing new: stop once the container is gone (one more read catches its last words).
      if (!(await d.stillRunning())) {
        if (++idleChecks > 1) return;
        continue;
      }
      await sleep(poll, d.signal);
    }
  } finally {
    await fh.close();
  }
}

async function readRange(fh: FileHandle, pos: number, len: number): Promise<Buffer> {
  const buf = Buffer.allocUnsafe(len);
  let off = 0;
  while (off < len) {
    const { bytesRead } = await fh.read(buf, off, len - off, pos + off);
    if (bytesRead === 0) break;
    off += bytesRead;
  }
  return buf.subarray(0, off);
}

