// One DNS query in, one response out: decode, answer from the zone or the forwarder, encode with
// the transport's size limit. Malformed queries get FORMERR, other opcodes NOTIMP, and responses
// (or bytes too short for a header) are dropped. Encoded zone answers are kept, keyed by the query
// bytes after the id, until the zone next changes: a repeated question costs one Map read and one
// buffer copy instead of a decode and an encode.
import type { Answer, Question } from 'dns-packet';
import { resolveQuestion, type AnswerOptions } from './answer.js';
import type { Forwarder, ForwardedAnswer } from './forwarder.js';
import { RCODE, decodeQuery, encodeResponse, errorResponse, formatErrorFor, queryOpt, responseLimit, singleQuestion, unsupported, type Rcode } from './message.js';
import type { RecordIndex } from './record-index.js';

export interface QueryStats { zone: number; forwarded: number; errors: number }

const asRcode = (s: string): Rcode => (s in RCODE ? (s as Rcode) : 'SERVFAIL');
const MAX_ENCODED = 10_000;
const MAX_KEYED_QUERY = 512;

export class QueryHandler {
  readonly stats: QueryStats = { zone: 0, forwarded: 0, errors: 0 };
  private readonly encoded = new Map<string, Buffer>();
  private encodedGeneration = -1;

  constructor(
    private readonly index: RecordIndex,
    private readonly forwarder: Forwarder | undefined,
    private readonly answerOptions: AnswerOptions = {},
  ) {}

  async handle(buf: Buffer, transport: 'udp' | 'tcp'): Promise<Buffer | undefined> {
    let key: string | undefined;
    if (buf.length > 12 && buf.length <= MAX_KEYED_QUERY) {
      if (this.encodedGeneration !== this.index.generation) {
        this.encoded.clear();
        this.encodedGeneration = this.index.generation;
      }
      // Everything but the id decides the answer: flags, question, EDNS0 size, transport.
      key = (transport === 'udp' ? 'u' : 't') + buf.toString('latin1', 2);
      const hit = this.encoded.get(key);
      if (hit) {
        this.stats.zone++;
        const out = Buffer.allocUnsafe(hit.length);
        hit.copy(out);
        out[0] = buf[0]!;
        out[1] = buf[1]!;
        return out;
      }
    }
    const query = decodeQuery(buf);
    if (!query) {
      this.stats.errors++;
      return formatErrorFor(buf);
    }
    if (query.type === 'response') return undefined;
    const bad = unsupported(query);
    if (bad) {
      this.stats.errors++;
      return errorResponse(query, bad);
    }
    const limit = responseLimit(query, transport);
    const q = singleQuestion(query);
    const res = resolveQuestion(this.index, q, this.answerOptions);
    if (res.kind === 'answer') {
      this.stats.zone++;
      if (res.chase) {
        const more = await this.upstream({ name: res.chase.name, type: res.chase.type, class: 'IN' }, false);
        if (more.rcode === 'NOERROR') res.answers = [...res.answers, ...more.answers];
      }
      const out = encodeResponse(query, { rcode: res.rcode, authoritative: true, answers: res.answers, authorities: res.authorities, additionals: res.additionals }, limit);
      if (key !== undefined && !res.chase && this.encoded.size < MAX_ENCODED) this.encoded.set(key, out);
      return out;
    }
    this.stats.forwarded++;
    const up = await this.upstream(q, queryOpt(query)?.flag_do === true);
    return encodeResponse(query, { rcode: asRcode(up.rcode), authoritative: false, answers: up.answers, authorities: up.authorities, additionals: up.additionals }, limit);
  }

  private upstream(q: Question, dnssecOk: boolean): Promise<ForwardedAnswer> {
    if (!this.forwarder || this.forwarder.upstreams.length === 0) return Promise.resolve({ rcode: 'SERVFAIL', answers: [] as Answer[], authorities: [], additionals: [] });
    return this.forwarder.resolve(q, dnssecOk);
  }
}
