// DNS messages on the wire (dns-packet): decoding queries, building responses with the right
// header flags, EDNS0 (the client's advertised UDP size, our OPT record) and truncation (TC set,
// as many answers as fit) when a UDP response exceeds what the client accepts.
import dnsPacket, { type Answer, type DecodedPacket, type OptAnswer, type Packet, type Question } from 'dns-packet';

export const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;
export type Rcode = keyof typeof RCODE;

/** RFC 1035's limit without EDNS0. */
export const CLASSIC_UDP_SIZE = 512;
/** What we advertise and the most we send over UDP (the DNS flag day 2020 figure avoids fragmentation). */
export const EDNS_UDP_SIZE = 1232;
const TCP_MAX = 65535;
const OPCODE_QUERY = 0;

export interface ResponseParts {
  rcode: Rcode;
  authoritative: boolean;
  answers: Answer[];
  authorities: Answer[];
  additionals: Answer[];
}

/** The query's OPT record, if it carries EDNS0. */
export function queryOpt(query: Packet): OptAnswer | undefined {
  for (const a of query.additionals ?? []) if (a.type === 'OPT') return a as OptAnswer;
  return undefined;
}

/** The largest response the client accepts on this transport. */
export function responseLimit(query: Packet, transport: 'udp' | 'tcp'): number {
  if (transport === 'tcp') return TCP_MAX;
  const opt = queryOpt(query);
  if (!opt) return CLASSIC_UDP_SIZE;
  return Math.min(Math.max(opt.udpPayloadSize || CLASSIC_UDP_SIZE, CLASSIC_UDP_SIZE), EDNS_UDP_SIZE);
}

export function decodeQuery(buf: Buffer): DecodedPacket | undefined {
  try {
    return dnsPacket.decode(buf);
  } catch {
    return undefined;
  }
}

function flagsFor(query: Packet, rcode: Rcode, authoritative: boolean, truncated: boolean): number {
  const q = query.flags ?? 0;
  let f = (q & 0x7800) | (q & dnsPacket.RECURSION_DESIRED) | dnsPacket.RECURSION_AVAILABLE | RCODE[rcode];
  if (authoritative) f |= dnsPacket.AUTHORITATIVE_ANSWER;
  if (truncated) f |= dnsPacket.TRUNCATED_RESPONSE;
  // Queries with the CD bit keep it (RFC 6840).
  if (q & dnsPacket.CHECKING_DISABLED) f |= dnsPacket.CHECKING_DISABLED;
  return f;
}

function ourOpt(query: Packet): OptAnswer[] {
  const opt = queryOpt(query);
  if (!opt) return [];
  return [{ type: 'OPT', name: '.', udpPayloadSize: EDNS_UDP_SIZE, extendedRcode: 0, ednsVersion: 0, flags: opt.flags & dnsPacket.DNSSEC_OK, flag_do: opt.flag_do, options: [] }];
}

/** Encodes a response to `query`; over the limit, drops additionals and then trailing answers, and sets TC. */
export function encodeResponse(query: Packet, parts: ResponseParts, limit: number): Buffer {
  const opt = ourOpt(query);
  const packet: Packet = {
    id: query.id ?? 0,
    type: 'response',
    flags: flagsFor(query, parts.rcode, parts.authoritative, false),
    questions: query.questions ?? [],
    answers: parts.answers,
    authorities: parts.authorities,
    additionals: parts.additionals.length ? [...parts.additionals, ...opt] : opt,
  };
  const buf = dnsPacket.encode(packet);
  if (buf.length <= limit) return buf;
  // Truncated: keep the most answers that fit (binary search on the count), no extra sections.
  packet.flags = flagsFor(query, parts.rcode, parts.authoritative, true);
  packet.additionals = opt;
  packet.authorities = [];
  let lo = 0;
  let hi = parts.answers.length;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    packet.answers = parts.answers.slice(0, mid);
    if (dnsPacket.encodingLength(packet) <= limit) lo = mid;
    else hi = mid - 1;
  }
  packet.answers = parts.answers.slice(0, lo);
  return dnsPacket.encode(packet);
}

/** A response carrying only an error code (and the question, when there is one). */
export function errorResponse(query: Packet, rcode: Rcode): Buffer {
  return encodeResponse(query, { rcode, authoritative: false, answers: [], authorities: [], additionals: [] }, TCP_MAX);
}

/** FORMERR for bytes that did not decode: echo the id (and opcode) if the header is there. */
export function formatErrorFor(buf: Buffer): Buffer | undefined {
  if (buf.length < 12) return undefined;
  const out = Buffer.alloc(12);
  buf.copy(out, 0, 0, 2);
  const flags = buf.readUInt16BE(2);
  if (flags & 0x8000) return undefined; // a response: never answer those
  out.writeUInt16BE(0x8000 | (flags & 0x7800) | (flags & 0x0100) | RCODE.FORMERR, 2);
  return out;
}

/** Why a decoded query cannot be answered (as an rcode), or undefined when it can. */
export function unsupported(query: DecodedPacket): Rcode | undefined {
  if ((((query.flags ?? 0) >> 11) & 0xf) !== OPCODE_QUERY) return 'NOTIMP';
  if (!query.questions || query.questions.length !== 1) return 'FORMERR';
  return undefined;
}

export function singleQuestion(query: DecodedPacket): Question {
  return query.questions![0]!;
}
