// A minimal HTTPS/1.1 keep-alive client for load generation: one socket per concurrent worker,
// bodies read only when the caller needs them, so the client spends as little CPU as possible.
import https from 'node:https';
import type { Target } from './protocol.js';

export interface Reply {
  status: number;
  body?: string;
  bytes: number;
}

export class HttpsClient {
  readonly agent: https.Agent;
  private readonly host: string;
  private readonly port: number;

  constructor(target: Target, sockets: number) {
    const u = new URL(target.url);
    this.host = u.hostname;
    this.port = Number(u.port);
    this.agent = new https.Agent({
      keepAlive: true,
      maxSockets: sockets,
      maxFreeSockets: sockets,
      ca: target.caPem,
      cert: target.certPem,
      key: target.keyPem,
      rejectUnauthorized: target.caPem !== undefined,
    });
  }

  request(method: string, path: string, body?: string, wantBody = false): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string | number> = { accept: 'application/json' };
      if (body !== undefined) {
        headers['content-type'] = 'application/json';
        headers['content-length'] = Buffer.byteLength(body);
      }
      const req = https.request({ host: this.host, port: this.port, method, path, agent: this.agent, headers }, (res) => {
        let bytes = 0;
        const chunks: Buffer[] = [];
        const keep = wantBody || (res.statusCode ?? 0) >= 400;
        res.on('data', (c: Buffer) => {
          bytes += c.length;
          if (keep) chunks.push(c);
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes, body: keep ? Buffer.concat(chunks).toString('utf8') : undefined }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  /** Opens a long-lived streaming GET; `onChunk` sees raw body chunks as they arrive. */
  stream(path: string, onChunk: (chunk: Buffer, at: number) => void): Promise<{ close(): void; status: number }> {
    return new Promise((resolve, reject) => {
      const req = https.request({ host: this.host, port: this.port, method: 'GET', path, agent: this.agent, headers: { accept: 'application/json' } }, (res) => {
        res.on('data', (c: Buffer) => onChunk(c, performance.now()));
        res.on('error', () => undefined);
        resolve({ status: res.statusCode ?? 0, close: () => req.destroy() });
      });
      req.on('error', reject);
      req.end();
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
