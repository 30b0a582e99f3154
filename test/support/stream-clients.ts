// Test-side clients for the streaming protocols: a SPDY/3.1 upgrade over TLS (kubectl's fallback
// for exec and its port-forward protocol) and helpers to collect WebSocket channel output.
import { connect as tlsConnect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import type WebSocket from 'ws';
import { SpdySession } from '../../src/kubelet/server/spdy/session.js';

export interface SpdyUpgrade {
  session: SpdySession;
  socket: TLSSocket;
  statusLine: string;
  headers: Record<string, string>;
}

/** Sends an Upgrade: SPDY/3.1 request and returns the client session after the 101. */
export function spdyUpgrade(opts: ConnectionOptions & { host: string; port: number }, method: string, path: string, protocols: string, extraHeaders: Record<string, string> = {}): Promise<SpdyUpgrade> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ ...opts, ALPNProtocols: ['http/1.1'] });
    socket.once('error', reject);
    socket.once('secureConnect', () => {
      const extra = Object.entries(extraHeaders).map(([k, v]) => `${k}: ${v}\r\n`).join('');
      socket.write(`${method} ${path} HTTP/1.1\r\nHost: ${opts.host}\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: ${protocols}\r\n${extra}Content-Length: 0\r\n\r\n`);
    });
    let buf = Buffer.alloc(0);
    const onData = (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.off('data', onData);
      const lines = buf.subarray(0, end).toString('latin1').split('\r\n');
      const headers: Record<string, string> = {};
      for (const l of lines.slice(1)) {
        const i = l.indexOf(':');
        headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
      }
      const rest = buf.subarray(end + 4);
      if (!lines[0]!.includes(' 101 ')) {
        resolve({ session: undefined as unknown as SpdySession, socket, statusLine: lines[0]!, headers: { ...headers, body: rest.toString() } });
        socket.destroy();
        return;
      }
      const session = new SpdySession({ write: (b) => socket.write(b), end: () => socket.end() }, 'client');
      socket.on('data', (d2: Buffer) => session.receive(d2));
      socket.once('close', () => session.transportClosed());
      if (rest.length) session.receive(rest);
      resolve({ session, socket, statusLine: lines[0]!, headers });
    };
    socket.on('data', onData);
  });
}

/** Collects binary channel messages of a WebSocket until it closes. */
export function collectChannels(ws: WebSocket): Promise<{ byChannel: Map<number, Buffer>; closeCode: number }> {
  return new Promise((resolve, reject) => {
    const byChannel = new Map<number, Buffer>();
    ws.on('message', (d: Buffer) => {
      const ch = d[0]!;
      byChannel.set(ch, Buffer.concat([byChannel.get(ch) ?? Buffer.alloc(0), d.subarray(1)]));
    });
    ws.once('close', (code) => resolve({ byChannel, closeCode: code }));
    ws.once('error', reject);
  });
}
