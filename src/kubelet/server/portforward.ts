// port-forward: kubectl's SPDY protocol (an error and a data stream per connection, keyed by
// `requestid`; raw after a 101 or tunnelled in WebSocket messages), and client-node's WebSocket
// v4 channels (data 2i and error 2i+1 per port, each opened with the port as a little-endian uint16).
import type { Socket } from 'node:net';
import type WebSocket from 'ws';
import { decodeChannel, encodeChannel, portPrefix } from './channel-protocol.js';
import type { SpdySession, SpdyStream } from './spdy/session.js';

export type Dialer = (port: number) => Promise<Socket>;

interface PairState {
  error?: SpdyStream;
  data?: SpdyStream;
}

/** Serves every stream pair of one SPDY port-forward session until it closes. */
export function servePortForwardSpdy(session: SpdySession, dial: Dialer): void {
  const pairs = new Map<string, PairState>();
  session.on('stream', (s: SpdyStream) => {
    const type = s.header('streamtype');
    const requestId = s.header('requestid') ?? '';
    const port = Number(s.header('port'));
    s.reply({});
    if (type !== 'error' && type !== 'data') {
      s.reset();
      return;
    }
    const pair = pairs.get(requestId) ?? {};
    pairs.set(requestId, pair);
    pair[type] = s;
    s.once('close', () => {
      if ((pair.error?.localClosed ?? true) && (pair.data?.localClosed ?? true)) pairs.delete(requestId);
    });
    if (type === 'error') {
      s.on('data', () => undefined); // the client half-closes it at once
      return;
    }
    void forward(s, pair, port, dial);
  });
}

function failPair(pair: PairState, port: number, message: string): void {
  pair.error?.end(`error forwarding port ${port} to pod: ${message}`);
  pair.data?.end();
}

async function forward(data: SpdyStream, pair: PairState, port: number, dial: Dialer): Promise<void> {
  if (!Number.isInteger(port) || port < 1 || port > 65535) return failPair(pair, port, `invalid port ${port}`);
  // Data may arrive before the dial finishes; hold it.
  const early: Buffer[] = [];
  let clientEnded = false;
  const hold = (d: Buffer) => early.push(d);
  data.on('data', hold);
  data.once('end', () => (clientEnded = true));
  let sock: Socket;
  try {
    sock = await dial(port);
  } catch (err) {
    failPair(pair, port, (err as Error).message);
    return;
  }
  data.off('data', hold);
  for (const d of early) sock.write(d);
  if (clientEnded) sock.end();
  else data.once('end', () => sock.end());
  data.on('data', (d: Buffer) => sock.write(d));
  data.once('close', () => sock.destroy());
  sock.on('data', (d: Buffer) => data.write(d));
  sock.once('end', () => data.end());
  sock.once('error', (err) => {
    if (!pair.error?.localClosed) pair.error?.end(`error forwarding port ${port} to pod: ${err.message}`);
    data.end();
  });
  sock.once('close', () => {
    data.end();
    pair.error?.end();
  });
}

/** client-node's protocol: `?ports=a,b` fixed up front, two channels per port, v4 framing. */
export async function servePortForwardChannels(ws: WebSocket, ports: number[], dial: Dialer): Promise<void> {
  const sockets: (Socket | undefined)[] = [];
  let open = true;
  ws.on('close', () => {
    open = false;
    for (const s of sockets) s?.destroy();
  });
  ws.on('error', () => undefined);
  const send = (ch: number, payload: Buffer | string) => open && ws.send(encodeChannel(ch, payload));
  // Hold client data until the ports are dialled.
  const early: Buffer[][] = ports.map(() => []);
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    if (!isBinary) return;
    const m = decodeChannel(data);
    if (!m || m.channel % 2 !== 0) return;
    const i = m.channel / 2;
    if (i >= ports.length) return;
    const s = sockets[i];
    if (s) s.write(m.payload);
    else early[i]!.push(m.payload);
  });
  await Promise.all(
    ports.map(async (port, i) => {
      send(2 * i, portPrefix(port));
      send(2 * i + 1, portPrefix(port));
      try {
        const s = await dial(port);
        sockets[i] = s;
        for (const d of early[i]!) s.write(d);
        s.on('data', (d: Buffer) => send(2 * i, d));
        s.once('error', (err) => send(2 * i + 1, `error forwarding port ${port} to pod: ${err.message}`));
        s.once('close', () => {
          if (open && sockets.every((x) => !x || x.destroyed)) ws.close(1000);
        });
      } catch (err) {
        send(2 * i + 1, `error forwarding port ${port} to pod: ${(err as Error).message}`);
      }
    }),
  );
}
