// Answers one question for the cluster zone from the record index, with the CoreDNS `kubernetes`
// plugin's outcomes: records; NODATA (NOERROR, SOA in authority) where the name exists but not the
// type; NXDOMAIN (SOA in authority) for the rest of the zone; `pods insecure` answers for
// <a-b-c-d>.<ns>.pod.<zone>; PTR for known addresses. Everything else is for the forwarder. Pure.
import type { Answer, Question, SoaAnswer } from 'dns-packet';
import { addressFromDashed, canonicalName, inZone, isReverseName } from './names.js';
import type { RecordIndex } from './record-index.js';

/** As CoreDNS's kubernetes plugin: short TTLs, so changes show quickly. */
export const RECORD_TTL = 5;
/** CoreDNS publishes its schema version here. */
const DNS_SCHEMA_VERSION = '1.1.0';
const MAX_CNAME_CHAIN = 8;

export interface ZoneAnswer {
  kind: 'answer';
  rcode: 'NOERROR' | 'NXDOMAIN';
  answers: Answer[];
  authorities: Answer[];
  additionals: Answer[];
  /** an ExternalName CNAME pointing outside the zone: the caller resolves the target upstream and appends it */
  chase?: { name: string; type: Question['type'] };
}
export type Resolution = ZoneAnswer | { kind: 'forward' };

export interface AnswerOptions {
  /** addresses answered for ns.dns.<zone> (the cluster DNS Service IPs) */
  nameserverIPs?: readonly string[];
  /** SOA serial (CoreDNS uses the time the zone last changed; any increasing number works) */
  serial?: number;
}

export function soaRecord(zone: string, serial: number): SoaAnswer {
  return {
    type: 'SOA',
    name: zone,
    ttl: RECORD_TTL,
    class: 'IN',
    data: { mname: `ns.dns.${zone}`, rname: `hostmaster.${zone}`, serial, refresh: 7200, retry: 1800, expire: 86400, minimum: RECORD_TTL },
  };
}

const FORWARD: Resolution = { kind: 'forward' };

/** The zone's fixed names, built once per zone rather than per query. */
interface ZoneNames { version: string; nameserver: string; dns: string; svc: string; pod: string; podSuffix: string }
const zoneNamesCache = new Map<string, ZoneNames>();
function zoneNames(zone: string): ZoneNames {
  let z = zoneNamesCache.get(zone);
  if (!z) zoneNamesCache.set(zone, (z = { version: `dns-version.${zone}`, nameserver: `ns.dns.${zone}`, dns: `dns.${zone}`, svc: `svc.${zone}`, pod: `pod.${zone}`, podSuffix: `.pod.${zone}` }));
  return z;
}

function negative(index: RecordIndex, rcode: 'NOERROR' | 'NXDOMAIN', opts: AnswerOptions): ZoneAnswer {
  return { kind: 'answer', rcode, answers: [], authorities: [soaRecord(index.zone, opts.serial ?? 1)], additionals: [] };
}

function addressAnswers(owner: string, type: 'A' | 'AAAA', ips: readonly string[], out: Answer[]): void {
  for (const ip of ips) out.push({ type, name: owner, ttl: RECORD_TTL, class: 'IN', data: ip });
}

/** Resolves a question against the zone; `forward` when the name is not ours to answer. */
export function resolveQuestion(index: RecordIndex, q: Question, opts: AnswerOptions = {}): Resolution {
  const name = canonicalName(q.name);
  if (isReverseName(name)) return reverse(index, q, name);
  if (!inZone(name, index.zone)) return FORWARD;
  const out: ZoneAnswer = { kind: 'answer', rcode: 'NOERROR', answers: [], authorities: [], additionals: [] };
  const zone = index.zone;
  const names = zoneNames(zone);
  const owner = q.name.endsWith('.') ? q.name.slice(0, -1) : q.name;
  // dns-packet names type 255 "ANY", which its typings omit.
  const qt: string = q.type;

  if (name === zone) {
    if (qt === 'SOA' || qt === 'ANY') out.answers.push({ ...soaRecord(zone, opts.serial ?? 1), name: owner });
    if (qt === 'NS' || qt === 'ANY') out.answers.push({ type: 'NS', name: owner, ttl: RECORD_TTL, class: 'IN', data: `ns.dns.${zone}` });
    return out.answers.length ? out : negative(index, 'NOERROR', opts);
  }
  if (name === names.version) {
    if (q.type !== 'TXT') return negative(index, 'NOERROR', opts);
    out.answers.push({ type: 'TXT', name: owner, ttl: RECORD_TTL, class: 'IN', data: DNS_SCHEMA_VERSION });
    return out;
  }
  if (name === names.nameserver) {
    const ips = opts.nameserverIPs ?? [];
    if (qt === 'A' || qt === 'ANY') addressAnswers(owner, 'A', ips.filter((i) => !i.includes(':')), out.answers);
    if (qt === 'AAAA' || qt === 'ANY') addressAnswers(owner, 'AAAA', ips.filter((i) => i.includes(':')), out.answers);
    return out.answers.length ? out : negative(index, 'NOERROR', opts);
  }
  if (name === names.dns || name === names.svc || name === names.pod) return negative(index, 'NOERROR', opts);
  if (name.endsWith(names.podSuffix)) return podAnswer(index, q, name, owner, opts);

  let current = name;
  let currentOwner = owner;
  for (let hop = 0; hop < MAX_CNAME_CHAIN; hop++) {
    const set = index.lookup(current);
    if (!set) {
      if (hop > 0) return out; // the CNAME stands; its in-zone target has nothing more
      return negative(index, index.exists(current) ? 'NOERROR' : 'NXDOMAIN', opts);
    }
    if (set.cname !== undefined) {
      out.answers.push({ type: 'CNAME', name: currentOwner, ttl: RECORD_TTL, class: 'IN', data: set.cname });
      if (q.type === 'CNAME') return out;
      if (!inZone(set.cname, zone)) {
        out.chase = { name: set.cname, type: q.type };
        return out;
      }
      current = currentOwner = set.cname;
      continue;
    }
    const t = qt;
    if (t === 'A' || t === 'ANY') addressAnswers(currentOwner, 'A', set.a, out.answers);
    if (t === 'AAAA' || t === 'ANY') addressAnswers(currentOwner, 'AAAA', set.aaaa, out.answers);
    if (t === 'SRV' || t === 'ANY') {
      const seen = new Set<string>();
      for (const r of set.srv) {
        out.answers.push({ type: 'SRV', name: currentOwner, ttl: RECORD_TTL, class: 'IN', data: { priority: 0, weight: r.weight, port: r.port, target: r.target } });
        if (seen.has(r.target)) continue;
        seen.add(r.target);
        const target = index.lookup(r.target);
        if (target) {
          addressAnswers(r.target, 'A', target.a, out.additionals);
          addressAnswers(r.target, 'AAAA', target.aaaa, out.additionals);
        }
      }
    }
    if (out.answers.length === 0) return negative(index, 'NOERROR', opts);
    return out;
  }
  return out;
}

function podAnswer(index: RecordIndex, q: Question, name: string, owner: string, opts: AnswerOptions): Resolution {
  // <a-b-c-d>.<ns>.pod.<zone>, answered without checking a pod exists (upstream's `pods insecure`).
  const labels = name.slice(0, name.length - index.zone.length - 5).split('.');
  if (labels.length === 1) return negative(index, 'NOERROR', opts); // <ns>.pod.<zone>
  if (labels.length !== 2) return negative(index, 'NXDOMAIN', opts);
  const addr = addressFromDashed(labels[0]!);
  if (!addr) return negative(index, 'NXDOMAIN', opts);
  const want = addr.family === 4 ? 'A' : 'AAAA';
  if (q.type !== want && (q.type as string) !== 'ANY') return negative(index, 'NOERROR', opts);
  return { kind: 'answer', rcode: 'NOERROR', answers: [{ type: want, name: owner, ttl: RECORD_TTL, class: 'IN', data: addr.ip }], authorities: [], additionals: [] };
}

function reverse(index: RecordIndex, q: Question, name: string): Resolution {
  if (q.type !== 'PTR') return FORWARD;
  const target = index.ptrTarget(name);
  if (!target) return FORWARD; // as upstream's `fallthrough in-addr.arpa ip6.arpa`
  const owner = q.name.endsWith('.') ? q.name.slice(0, -1) : q.name;
  return { kind: 'answer', rcode: 'NOERROR', answers: [{ type: 'PTR', name: owner, ttl: RECORD_TTL, class: 'IN', data: target }], authorities: [], additionals: [] };
}
