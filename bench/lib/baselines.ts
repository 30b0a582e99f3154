// Raw baselines of this machine, re-measured in every run so the API figures read as ratios to
// what the disk, TLS stack and JSON encoder allow (same shapes as shared/research/bench/):
// SQLite WAL single-row commits with synchronous=FULL, a trivial loopback HTTPS server, and
// JSON.stringify of a 10k-pod list. They share nothing with the server under test.
import https from 'node:https';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import Database from 'better-sqlite3';
import { createCA, issueCertificate } from '../../src/pki/ca.js';
import type { Target } from './protocol.js';

/** Single-row INSERT transactions per second (kine-shaped table, 1 KiB values), as sqlite_commit.py. */
export function sqliteCommitRate(dir: string, synchronous: 'FULL' | 'NORMAL', seconds: number): number {
  const db = new Database(join(dir, `raw-${synchronous}.db`));
  try {
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${synchronous}`);
    db.exec('CREATE TABLE kine(id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT, value BLOB); CREATE INDEX kine_name ON kine(name)');
    const ins = db.prepare('INSERT INTO kine(name, value) VALUES (?, ?)');
    const one = db.transaction((name: string, v: Buffer) => ins.run(name, v));
    const value = randomBytes(1024);
    let n = 0;
    const t0 = performance.now();
    const end = t0 + seconds * 1000;
    while (performance.now() < end) one.immediate(`/registry/pods/ns/p${n++}`, value);
    return n / ((performance.now() - t0) / 1000);
  } finally {
    db.close();
  }
}

export interface RawHttpsServer {
  target: Target;
  close(): Promise<void>;
}

/** The trivial server of server.js: GET answers a fixed small Pod, POST parses and re-encodes the body. */
export async function startRawHttpsServer(): Promise<RawHttpsServer> {
  const ca = await createCA('bench-raw-ca');
  const cert = await issueCertificate(ca, { commonName: 'bench-raw', server: true, ipAddresses: ['127.0.0.1'], dnsNames: ['localhost'] });
  const small = JSON.stringify({ kind: 'Pod', apiVersion: 'v1', metadata: { name: 'x', namespace: 'default', resourceVersion: '1' } });
  const srv = https.createServer({ key: cert.keyPem, cert: cert.certPem + ca.certPem, keepAliveTimeout: 60_000 }, (req, res) => {
    if (req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(small);
      return;
    }
    let d = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (d += c));
    req.on('end', () => {
      const o = JSON.parse(d);
      o.metadata.resourceVersion = '2';
      const s = JSON.stringify(o);
      res.writeHead(201, { 'content-type': 'application/json' });
      res.end(s);
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as AddressInfo;
  return {
    target: { url: `https://127.0.0.1:${port}`, caPem: ca.certPem },
    close: () =>
      new Promise<void>((r) => {
        srv.closeAllConnections();
        srv.close(() => r());
      }),
  };
}

/** `count` distinct pods cloned from the reference pod, as a PodList would hold them. */
export function podList(podJson: string, count: number): { kind: string; apiVersion: string; metadata: object; items: unknown[] } {
  const items: unknown[] = [];
  for (let i = 0; i < count; i++) {
    const p = JSON.parse(podJson);
    p.metadata.name = `pod-${i}`;
    p.metadata.resourceVersion = String(1000 + i);
    items.push(p);
  }
  return { kind: 'PodList', apiVersion: 'v1', metadata: { resourceVersion: String(1000 + count) }, items };
}

/** Median time (ms) and size of JSON.stringify of a list of `count` pods. */
export function stringifyTime(podJson: string, count: number, rounds: number): { ms: number; bytes: number } {
  const list = podList(podJson, count);
  const times: number[] = [];
  let bytes = 0;
  for (let r = 0; r < rounds; r++) {
    const t = performance.now();
    bytes = JSON.stringify(list).length;
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return { ms: times[Math.floor(times.length / 2)]!, bytes };
}
