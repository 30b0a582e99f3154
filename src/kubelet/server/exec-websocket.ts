// exec/attach over the WebSocket channel protocol (v5 from kubectl, v4 from client-node): client
// channels feed the remote process, its output goes back on 1/2, and one Status ends the stream.
import type WebSocket from 'ws';
import { CLOSE, ERROR, RESIZE, STDERR, STDIN, STDOUT, decodeChannel, encodeChannel, errorStatus, exitStatus, parseResize, type ExecStatus } from './channel-protocol.js';
import type { ProcessResult, RemoteProcess } from './remote-process.js';

const HIGH_WATER = 4 << 20;

export function statusFor(result: ProcessResult, command: string[]): ExecStatus {
  if (result.error) return errorStatus(result.error);
  const st = exitStatus(result.exitCode, result.signal);
  if (st.status === 'Failure' && st.reason === 'NonZeroExitCode') {
    const code = st.details!.causes[0]!.message;
    st.message = `command terminated with non-zero exit code: error executing command [${command.join(' ')}], exit code ${code}`;
  }
  return st;
}

/** Runs one session to its end; resolves once the socket is closed. */
export async function serveExecWebSocket(ws: WebSocket, protocol: string, proc: RemoteProcess, command: string[], early: Buffer[] = []): Promise<void> {
  const v5 = protocol.startsWith('v5.');
  let open = true;
  const onMessage = (data: Buffer, isBinary: boolean) => {
    if (!isBinary) return;
    const m = decodeChannel(data);
    if (!m) return;
    if (m.channel === STDIN) proc.stdin?.write(m.payload);
    else if (m.channel === RESIZE) {
      const size = parseResize(m.payload);
      if (size) proc.resize(size);
    } else if (m.channel === CLOSE && v5 && m.payload[0] === STDIN) proc.stdin?.end();
  };
  for (const d of early) onMessage(d, true);
  ws.on('message', onMessage);
  ws.on('close', () => {
    open = false;
    // v4 clients signal the end of their input by closing; the process is then done for.
    proc.stdin?.end();
    proc.kill();
  });
  ws.on('error', () => undefined);

  const pump = (src: NodeJS.ReadableStream | null, ch: number) =>
    new Promise<void>((resolve) => {
      if (!src) return resolve();
      src.on('data', (c: Buffer) => {
        if (!open) return;
        ws.send(encodeChannel(ch, c));
        if (ws.bufferedAmount > HIGH_WATER) {
          src.pause();
          const resume = () => (ws.bufferedAmount > HIGH_WATER / 2 && open ? setTimeout(resume, 5) : src.resume());
          setTimeout(resume, 5);
        }
      });
      src.once('end', resolve);
      src.once('close', resolve);
      src.once('error', () => resolve());
    });
  const [result] = await Promise.all([proc.wait(), pump(proc.stdout, STDOUT), pump(proc.stderr, STDERR)]);
  if (!open) return;
  ws.send(encodeChannel(ERROR, JSON.stringify(statusFor(result, command))));
  await new Promise<void>((resolve) => {
    ws.once('close', () => resolve());
    ws.close(1000);
    setTimeout(() => {
      ws.terminate();
      resolve();
    }, 5000).unref();
  });
}
