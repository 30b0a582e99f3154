// Forwards questions outside the cluster zone to the host's resolvers (as CoreDNS's `forward .
// /etc/resolv.conf` + `cache 30`): UDP first, TCP when the answer comes back truncated, the next
// server on timeout, concurrent identical questions share one upstream exchange, and answers are
// cached for their smallest TTL (at most 30 s). It never forwards to the cluster DNS itself.
import { createSocket, type Socket } from 'node:dgram';
import { connect } from 'node:net';
import { isIPv6 } from 'node:net';
import { randomInt } from 'node:crypto';
import dnsPacket, { type Answer, type DecodedPacket, type Question } from 'dns-packet';
import { canonicalName } from './names.js';
import { EDNS_UDP_SIZE } from './message.js';

export interface Upstream { host: string; port: number }

export interface ForwardedAnswer {
  rcode: string;
  answers: Answer[];
  authorities: Answer[];
  /** non-OPT additionals */
  additionals: Answer[];
}

export interface ForwarderOptions {
  upstreams: Upstream[];
  timeoutMs?: number;
  maxCacheTtlSeconds?: number;
  maxCacheEntries?: number;
  now?: () => number;
}

interface CacheEntry { answer: ForwardedAnswer; expires: number }
interface Pending { resolve: (p: DecodedPacket) => void; name: string; timer: NodeJS.Timeout; reject: (e: Error) => void }

const SERVFAIL: ForwardedAnswer = { rcode: 'SERVFAIL', answers: [], authorities: [], additionals: [] };

/** Cache lifetime of an upstream answer in seconds (0: do not cache). Pure. */
export function cacheTtl(a: ForwardedAnswer, max: number): number {
  if (a.rcode !== 'NOERROR' && a.rcode !== 'NXDOMAIN') return 0;
  let ttl = max;
  for (const r of a.answers) ttl = Math.min(ttl, (r as { ttl?: number }).ttl ?? 0);
  // Negative answers live as long as the SOA in authority says (RFC 2308), within the cap.
  if (a.answers.length === 0) {
    const soa = a.authorities.find((r) => r.type === 'SOA') as { ttl?: number; data: { minimum: number } } | undefined;
    ttl = soa ? Math.min(ttl, soa.ttl ?? 0, soa.data.minimum) : Math.min(ttl, 5);
  }
  return Math.max(0, ttl);
}

export class Forwarder {
  private readonly cache = new Map<string, CacheEntry>();
  private readonly inflight = new Map<string, Promise<ForwardedAnswer>>();
  private readonly pending = new Map<number, Pending>();
  private sockets: { 4?: Socket; 6?: Socket } = {};
  private readonly timeoutMs: number;
  private readonly maxTtl: number;
  private readonly maxEntries: number;
  private readonly now: () => number;
  private closed = false;
  hits = 0;
  misses = 0;

  constructor(private readonly opts: ForwarderOptions) {
    this.timeoutMs = opts.timeoutMs ?? 2000;
    this.maxTtl = opts.maxCacheTtlSeconds ?? 30;
    this.maxEntries = opts.maxCacheEntries ?? 10_000;
    this.now = opts.now ?? Date.now;
  }

  get upstreams(): readonly Upstream[] {
    return this.opts.upstreams;
  }

  /** Replaces the upstream list (e.g. once resolv.conf was read). */
  setUpstreams(upstreams: Upstream[]): void {
    this.opts.upstreams = upstreams;
  }

  /** The upstream answer to a question (SERVFAIL when no upstream answered). */
  resolve(q: Question, dnssecOk = false): Promise<ForwardedAnswer> {
    const key = `${canonicalName(q.name)}/${q.type}/${q.class ?? 'IN'}/${dnssecOk ? 1 : 0}`;
    const hit = this.cache.get(key);
    if (hit) {
      if (hit.expires > this.now()) {
        this.hits++;
        return Promise.resolve(hit.answer);
      }
      this.cache.delete(key);
    }
    const running = this.inflight.get(key);
    if (running) return running;
    this.misses++;
    const p = this.exchangeAny(q, dnssecOk).then((answer) => {
      const ttl = cacheTtl(answer, this.maxTtl);
      if (ttl > 0) {
        if (this.cache.size >= this.maxEntries) this.cache.delete(this.cache.keys().next().value!);
        this.cache.set(key, { answer, expires: this.now() + ttl * 1000 });
      }
      return answer;
    });
    this.inflight.set(key, p);
    void p.finally(() => this.inflight.delete(key));
    return p;
  }

  close(): void {
    this.closed = true;
    for (const s of Object.values(this.sockets)) s?.close();
    this.sockets = {};
    for (const [, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new Error('forwarder closed'));
    }
    this.pending.clear();
  }

  private async exchangeAny(q: Question, dnssecOk: boolean): Promise<ForwardedAnswer> {
    for (const up of this.opts.upstreams) {
      if (this.closed) break;
      try {
        let res = await this.exchangeUdp(up, q, dnssecOk);
        if (res.flag_tc) res = await this.exchangeTcp(up, q, dnssecOk);
        return {
          rcode: (res as DecodedPacket & { rcode?: string }).rcode ?? 'NOERROR',
          answers: res.answers ?? [],
          authorities: res.authorities ?? [],
          additionals: (res.additionals ?? []).filter((a) => a.type !== 'OPT'),
        };
      } catch {
        // next upstream
      }
    }
    return SERVFAIL;
  }

  private queryBytes(id: number, q: Question, dnssecOk: boolean): Buffer {
    return dnsPacket.encode({
      id,
      type: 'query',
      flags: dnsPacket.RECURSION_DESIRED,
      questions: [{ name: q.name, type: q.type, class: q.class ?? 'IN' }],
      additionals: [{ type: 'OPT', name: '.', udpPayloadSize: EDNS_UDP_SIZE, extendedRcode: 0, ednsVersion: 0, flags: dnssecOk ? dnsPacket.DNSSEC_OK : 0, flag_do: dnssecOk, options: [] }],
    });
  }

  private socket(family: 4 | 6): Socket {
    const existing = this.sockets[family];
    if (existing) return existing;
    const s = createSocket(family === 6 ? 'udp6' : 'udp4');
    s.on('message', (msg) => this.onUdpMessage(msg));
    s.on('error', () => undefined);
    s.unref();
    this.sockets[family] = s;
    return s;
  }

  private onUdpMessage(msg: Buffer): void {
    if (msg.length < 12) return;
    const pending = this.pending.get(msg.readUInt16BE(0));
    if (!pending) return;
    let res: DecodedPacket;
    try {
      res = dnsPacket.decode(msg);
    } catch {
      return;
    }
    // A reply must echo our question, else it is not ours (spoofing, stale reply).
    const q = res.questions?.[0];
    if (!q || canonicalName(q.name) !== pending.name) return;
    this.pending.delete(res.id!);
    clearTimeout(pending.timer);
    pending.resolve(res);
  }

  private exchangeUdp(up: Upstream, q: Question, dnssecOk: boolean): Promise<DecodedPacket> {
    let id = randomInt(0, 65536);
    for (let i = 0; this.pending.has(id) && i < 16; i++) id = randomInt(0, 65536);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`upstream ${up.host}:${up.port} timed out`));
      }, this.timeoutMs);
      this.pending.set(id, { resolve, reject, name: canonicalName(q.name), timer });
      this.socket(isIPv6(up.host) ? 6 : 4).send(this.queryBytes(id, q, dnssecOk), up.port, up.host, (err) => {
        if (!err) return;
        clearTimeout(timer);
        this.pending.delete(id);
        reject(err);
      });
    });
  }

  private exchangeTcp(up: Upstream, q: Question, dnssecOk: boolean): Promise<DecodedPacket> {
    const id = randomInt(0, 65536);
    const query = this.queryBytes(id, q, dnssecOk);
    return new Promise((resolve, reject) => {
      const sock = connect({ host: up.host, port: up.port });
      const chunks: Buffer[] = [];
      let size = 0;
      sock.setTimeout(this.timeoutMs, () => sock.destroy(new Error('upstream TCP timed out')));
      sock.on('connect', () => {
        const len = Buffer.alloc(2);
        len.writeUInt16BE(query.length);
        sock.write(Buffer.concat([len, query]));
      });
      sock.on('data', (d) => {
        chunks.push(d);
        size += d.length;
        const all = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
        if (size < 2 || size < 2 + all.readUInt16BE(0)) return;
        sock.destroy();
        try {
          const res = dnsPacket.decode(all.subarray(2, 2 + all.readUInt16BE(0)));
          if (res.id !== id) reject(new Error('upstream TCP reply id mismatch'));
          else resolve(res);
        } catch (err) {
          reject(err as Error);
        }
      });
      sock.on('error', reject);
      sock.on('close', () => reject(new Error('upstream TCP closed')));
    });
  }
}

/** Upstreams from a parsed resolv.conf, minus the addresses that are the cluster DNS itself. */
export function upstreamsFrom(servers: readonly string[], exclude: readonly string[]): Upstream[] {
  const skip = new Set(exclude);
  return servers.filter((s) => !skip.has(s)).map((host) => ({ host, port: 53 }));
}
