// SPDY/3.1 framing: parsing a byte stream into frames and encoding frames back, plus the
// name/value header block format. Compression of header blocks lives in header-zlib.ts.

export const SPDY_VERSION = 3;

export const FLAG_FIN = 0x01;
export const FLAG_UNIDIRECTIONAL = 0x02;

export const enum ControlType {
  SynStream = 1,
  SynReply = 2,
  RstStream = 3,
  Settings = 4,
  Ping = 6,
  GoAway = 7,
  Headers = 8,
  WindowUpdate = 9,
}

/** RST_STREAM status codes used here. */
export const RST_PROTOCOL_ERROR = 1;
export const RST_INVALID_STREAM = 2;
export const RST_REFUSED_STREAM = 3;
export const RST_CANCEL = 5;
export const RST_INTERNAL_ERROR = 6;

export type Frame =
  | { type: 'data'; streamId: number; flags: number; data: Buffer }
  | { type: 'syn_stream'; streamId: number; associatedId: number; priority: number; flags: number; headerBlock: Buffer }
  | { type: 'syn_reply'; streamId: number; flags: number; headerBlock: Buffer }
  | { type: 'headers'; streamId: number; flags: number; headerBlock: Buffer }
  | { type: 'rst_stream'; streamId: number; status: number }
  | { type: 'settings'; flags: number; entries: { id: number; flags: number; value: number }[] }
  | { type: 'ping'; id: number }
  | { type: 'goaway'; lastGoodStreamId: number; status: number }
  | { type: 'window_update'; streamId: number; delta: number }
  | { type: 'unknown'; controlType: number; flags: number; payload: Buffer };

const HEADER = 8;
const MASK31 = 0x7fffffff;

/** Incremental parser: push bytes, take whole frames. */
export class FrameParser {
  private buf: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Frame[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const out: Frame[] = [];
    let off = 0;
    while (this.buf.length - off >= HEADER) {
      const len = this.buf.readUIntBE(off + 5, 3);
      if (this.buf.length - off < HEADER + len) break;
      out.push(decodeFrame(this.buf.subarray(off, off + HEADER + len)));
      off += HEADER + len;
    }
    this.buf = off === this.buf.length ? Buffer.alloc(0) : this.buf.subarray(off);
    return out;
  }
}

/** Decodes exactly one frame (header plus payload). */
export function decodeFrame(b: Buffer): Frame {
  const flags = b[4]!;
  const p = b.subarray(HEADER);
  if ((b[0]! & 0x80) === 0) return { type: 'data', streamId: b.readUInt32BE(0) & MASK31, flags, data: p };
  const version = b.readUInt16BE(0) & 0x7fff;
  if (version !== SPDY_VERSION) throw new Error(`unsupported SPDY version ${version}`);
  const type = b.readUInt16BE(2);
  switch (type) {
    case ControlType.SynStream:
      return { type: 'syn_stream', streamId: p.readUInt32BE(0) & MASK31, associatedId: p.readUInt32BE(4) & MASK31, priority: p[8]! >> 5, flags, headerBlock: p.subarray(10) };
    case ControlType.SynReply:
      return { type: 'syn_reply', streamId: p.readUInt32BE(0) & MASK31, flags, headerBlock: p.subarray(4) };
    case ControlType.Headers:
      return { type: 'headers', streamId: p.readUInt32BE(0) & MASK31, flags, headerBlock: p.subarray(4) };
    case ControlType.RstStream:
      return { type: 'rst_stream', streamId: p.readUInt32BE(0) & MASK31, status: p.readUInt32BE(4) };
    case ControlType.Settings: {
      const n = p.readUInt32BE(0);
      const entries: { id: number; flags: number; value: number }[] = [];
      for (let i = 0; i < n && 4 + i * 8 + 8 <= p.length; i++) {
        const o = 4 + i * 8;
        entries.push({ flags: p[o]!, id: p.readUIntBE(o + 1, 3), value: p.readUInt32BE(o + 4) });
      }
      return { type: 'settings', flags, entries };
    }
    case ControlType.Ping:
      return { type: 'ping', id: p.readUInt32BE(0) };
    case ControlType.GoAway:
      return { type: 'goaway', lastGoodStreamId: p.readUInt32BE(0) & MASK31, status: p.length >= 8 ? p.readUInt32BE(4) : 0 };
    case ControlType.WindowUpdate:
      return { type: 'window_update', streamId: p.readUInt32BE(0) & MASK31, delta: p.readUInt32BE(4) & MASK31 };
    default:
      return { type: 'unknown', controlType: type, flags, payload: p };
  }
}

function control(type: ControlType, flags: number, payload: Buffer): Buffer {
  const b = Buffer.allocUnsafe(HEADER + payload.length);
  b.writeUInt16BE(0x8000 | SPDY_VERSION, 0);
  b.writeUInt16BE(type, 2);
  b[4] = flags;
  b.writeUIntBE(payload.length, 5, 3);
  payload.copy(b, HEADER);
  return b;
}

function u32s(...vals: number[]): Buffer {
  const b = Buffer.allocUnsafe(vals.length * 4);
  vals.forEach((v, i) => b.writeUInt32BE(v >>> 0, i * 4));
  return b;
}

/** Encodes a frame; header blocks must already be compressed. */
export function encodeFrame(f: Frame): Buffer {
  switch (f.type) {
    case 'data': {
      const b = Buffer.allocUnsafe(HEADER + f.data.length);
      b.writeUInt32BE(f.streamId & MASK31, 0);
      b[4] = f.flags;
      b.writeUIntBE(f.data.length, 5, 3);
      f.data.copy(b, HEADER);
      return b;
    }
    case 'syn_stream': {
      const head = Buffer.alloc(10);
      head.writeUInt32BE(f.streamId & MASK31, 0);
      head.writeUInt32BE(f.associatedId & MASK31, 4);
      head[8] = (f.priority & 7) << 5;
      return control(ControlType.SynStream, f.flags, Buffer.concat([head, f.headerBlock]));
    }
    case 'syn_reply':
      return control(ControlType.SynReply, f.flags, Buffer.concat([u32s(f.streamId & MASK31), f.headerBlock]));
    case 'headers':
      return control(ControlType.Headers, f.flags, Buffer.concat([u32s(f.streamId & MASK31), f.headerBlock]));
    case 'rst_stream':
      return control(ControlType.RstStream, 0, u32s(f.streamId & MASK31, f.status));
    case 'settings': {
      const p = Buffer.allocUnsafe(4 + f.entries.length * 8);
      p.writeUInt32BE(f.entries.length, 0);
      f.entries.forEach((e, i) => {
        p[4 + i * 8] = e.flags;
        p.writeUIntBE(e.id, 5 + i * 8, 3);
        p.writeUInt32BE(e.value >>> 0, 8 + i * 8);
      });
      return control(ControlType.Settings, f.flags, p);
    }
    case 'ping':
      return control(ControlType.Ping, 0, u32s(f.id));
    case 'goaway':
      return control(ControlType.GoAway, 0, u32s(f.lastGoodStreamId & MASK31, f.status));
    case 'window_update':
      return control(ControlType.WindowUpdate, 0, u32s(f.streamId & MASK31, f.delta & MASK31));
    case 'unknown':
      return control(f.controlType as ControlType, f.flags, f.payload);
  }
}

export type HeaderMap = Record<string, string[]>;

/** The uncompressed name/value block: a count, then length-prefixed names and NUL-joined values. */
export function encodeHeaderBlock(headers: Record<string, string | string[]>): Buffer {
  const parts: Buffer[] = [];
  const names = Object.keys(headers);
  parts.push(u32s(names.length));
  for (const name of names) {
    const v = headers[name]!;
    const n = Buffer.from(name.toLowerCase(), 'utf8');
    const val = Buffer.from(Array.isArray(v) ? v.join('\0') : v, 'utf8');
    parts.push(u32s(n.length), n, u32s(val.length), val);
  }
  return Buffer.concat(parts);
}

export function decodeHeaderBlock(b: Buffer): HeaderMap {
  const out: HeaderMap = {};
  let off = 0;
  const need = (n: number) => {
    if (off + n > b.length) throw new Error('truncated SPDY header block');
  };
  need(4);
  const count = b.readUInt32BE(off);
  off += 4;
  for (let i = 0; i < count; i++) {
    need(4);
    const nl = b.readUInt32BE(off);
    off += 4;
    need(nl);
    const name = b.toString('utf8', off, off + nl).toLowerCase();
    off += nl;
    need(4);
    const vl = b.readUInt32BE(off);
    off += 4;
    need(vl);
    const value = b.toString('utf8', off, off + vl);
    off += vl;
    (out[name] ??= []).push(...value.split('\0'));
  }
  return out;
}
