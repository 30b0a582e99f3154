// exec/attach over SPDY/3.1 (kubectl's fallback, protocol v4.channel.k8s.io): the client opens one
// stream per channel, named by its `streamtype` header; the Status JSON goes on the error stream.
import type { RemoteProcess, ProcessRequest } from './remote-process.js';
import type { SpdySession, SpdyStream } from './spdy/session.js';
import { statusFor } from './exec-websocket.js';
import { parseResize } from './channel-protocol.js';

export interface SpdyExecStreams {
  error: SpdyStream;
  stdin?: SpdyStream;
  stdout?: SpdyStream;
  stderr?: SpdyStream;
  resize?: SpdyStream;
}

/** How many streams the client will open for these options (as upstream's server counts them). */
export function expectedStreamCount(o: Pick<ProcessRequest, 'stdin' | 'stdout' | 'stderr' | 'tty'>): number {
  return 1 + (o.stdin ? 1 : 0) + (o.stdout ? 1 : 0) + (o.stderr && !o.tty ? 1 : 0) + (o.tty ? 1 : 0);
}

/** Collects the client's streams, answering each; rejects after timeoutMs. */
export function collectExecStreams(session: SpdySession, expected: number, timeoutMs = 30_000): Promise<SpdyExecStreams> {
  return new Promise((resolve, reject) => {
    const got: Partial<SpdyExecStreams> = {};
    let count = 0;
    const timer = setTimeout(() => reject(new Error('timed out waiting for client to create streams')), timeoutMs);
    const onStream = (s: SpdyStream) => {
      const type = s.header('streamtype');
      s.reply({});
      if (type !== 'error' && type !== 'stdin' && type !== 'stdout' && type !== 'stderr' && type !== 'resize') {
        s.reset();
        return;
      }
      (got as Record<string, SpdyStream>)[type] = s;
      if (++count >= expected) {
        clearTimeout(timer);
        session.off('stream', onStream);
        if (!got.error) return reject(new Error('client did not create an error stream'));
        resolve(got as SpdyExecStreams);
      }
    };
    session.on('stream', onStream);
    session.once('close', () => {
      clearTimeout(timer);
      reject(new Error('connection closed before streams were created'));
    });
  });
}

export async function serveExecSpdy(session: SpdySession, streams: SpdyExecStreams, proc: RemoteProcess, command: string[]): Promise<void> {
  let closed = false;
  session.once('close', () => {
    closed = true;
    proc.stdin?.end();
    proc.kill();
  });
  if (streams.stdin && proc.stdin) {
    const stdin = proc.stdin;
    streams.stdin.on('data', (d: Buffer) => stdin.write(d));
    streams.stdin.on('end', () => stdin.end());
  }
  if (streams.resize) {
    // Sizes arrive as JSON objects back to back.
    let pending = '';
    streams.resize.on('data', (d: Buffer) => {
      pending += d.toString('utf8');
      let i: number;
      while ((i = pending.indexOf('}')) >= 0) {
        const size = parseResize(Buffer.from(pending.slice(0, i + 1)));
        pending = pending.slice(i + 1);
        if (size) proc.resize(size);
      }
    });
  }
  const pump = (src: NodeJS.ReadableStream | null, dst: SpdyStream | undefined) =>
    new Promise<void>((resolve) => {
      if (!src) {
        dst?.end();
        return resolve();
      }
      src.on('data', (c: Buffer) => dst?.write(c));
      const done = () => {
        dst?.end();
        resolve();
      };
      src.once('end', done);
      src.once('error', done);
    });
  const [result] = await Promise.all([proc.wait(), pump(proc.stdout, streams.stdout), pump(proc.stderr, streams.stderr)]);
  if (closed) return;
  const status = statusFor(result, command);
  if (status.status === 'Failure') streams.error.write(JSON.stringify(status));
  streams.error.end();
  // Give the client a moment to read the FINs before the connection goes.
  await new Promise((r) => setTimeout(r, 50));
  session.close();
}
