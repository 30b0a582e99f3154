// The DNS transports: a UDP socket and a TCP listener (length-prefixed messages, several per
// connection, idle connections closed) on one address and port, both handing each message to a
// QueryHandler. Closing on abort.
import { createSocket, type Socket } from 'node:dgram';
import { createServer, isIPv6, type Server, type Socket as TcpSocket } from 'node:net';
import type { Logger } from 'pino';
import type { QueryHandler } from './query-handler.js';

const TCP_IDLE_MS = 10_000;
const MAX_TCP_CONNECTIONS = 256;

export interface DnsServerOptions {
  address: string;
  /** 0 picks a free port (tests); the UDP and TCP ports are then equal */
  port: number;
  handler: QueryHandler;
  logger: Logger;
}

export class DnsServer {
  private udp?: Socket;
  private tcp?: Server;
  private readonly connections = new Set<TcpSocket>();
  port = 0;

  constructor(private readonly opts: DnsServerOptions) {}

  /** Binds both transports; resolves with the port once they listen. */
  async listen(signal: AbortSignal): Promise<number> {
    const { address, handler, logger } = this.opts;
    const udp = createSocket({ type: isIPv6(address) ? 'udp6' : 'udp4', reuseAddr: false });
    udp.on('message', (msg, rinfo) => {
      handler.handle(msg, 'udp').then(
        (res) => res && udp.send(res, rinfo.port, rinfo.address),
        (err: unknown) => logger.warn({ err }, 'DNS query failed'),
      );
    });
    udp.on('error', (err) => logger.warn({ err }, 'DNS UDP socket error'));
    // TCP first: with port 0 it picks the port, and UDP takes the same number.
    const tcp = createServer((sock) => this.serveTcp(sock));
    tcp.maxConnections = MAX_TCP_CONNECTIONS;
    await new Promise<void>((resolve, reject) => {
      tcp.once('error', reject);
      tcp.listen({ host: address, port: this.opts.port }, () => resolve());
    });
    tcp.on('error', (err) => logger.warn({ err }, 'DNS TCP listener error'));
    this.port = (tcp.address() as { port: number }).port;
    try {
      await new Promise<void>((resolve, reject) => {
        udp.once('error', reject);
        udp.bind({ address, port: this.port }, () => resolve());
      });
    } catch (err) {
      tcp.close();
      throw err;
    }
    this.udp = udp;
    this.tcp = tcp;
    if (signal.aborted) this.close();
    else signal.addEventListener('abort', () => this.close(), { once: true });
    return this.port;
  }

  close(): void {
    this.udp?.close();
    this.udp = undefined;
    this.tcp?.close();
    this.tcp = undefined;
    for (const c of this.connections) c.destroy();
    this.connections.clear();
  }

  private serveTcp(sock: TcpSocket): void {
    this.connections.add(sock);
    sock.setTimeout(TCP_IDLE_MS, () => sock.destroy());
    sock.on('close', () => this.connections.delete(sock));
    sock.on('error', () => undefined);
    let buf = Buffer.alloc(0);
    sock.on('data', (chunk) => {
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      while (buf.length >= 2) {
        const len = buf.readUInt16BE(0);
        if (buf.length < 2 + len) break;
        const msg = buf.subarray(2, 2 + len);
        buf = buf.subarray(2 + len);
        this.opts.handler.handle(msg, 'tcp').then(
          (res) => {
            if (!res || sock.destroyed) return;
            const out = Buffer.allocUnsafe(2 + res.length);
            out.writeUInt16BE(res.length, 0);
            res.copy(out, 2);
            sock.write(out);
          },
          () => sock.destroy(),
        );
      }
    });
  }
}
