// Minimal protobuf wire reader: varints, fixed 32/64-bit values and length-delimited slices over one
// Buffer. Only what Kubernetes messages need; no reflection, no allocation except for strings/slices.

import { errors } from '../errors.js';

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_BYTES = 2;
export const WIRE_FIXED32 = 5;

const TWO_32 = 4294967296;

export class WireReader {
  pos: number;

  constructor(
    readonly buf: Buffer,
    start: number,
    readonly end: number,
  ) {
    this.pos = start;
  }

  done(): boolean {
    return this.pos >= this.end;
  }

  /** Reads a field key; returns field number * 8 + wire type as upstream encodes it. */
  tag(): number {
    const t = this.varint32();
    if (t >>> 3 === 0) throw malformed('field number 0');
    return t;
  }

  /** Low 32 bits of a varint as an unsigned number (int32 callers apply `| 0`). */
  varint32(): number {
    const buf = this.buf;
    let pos = this.pos;
    let b = byteAt(buf, pos++, this.end);
    let value = b & 0x7f;
    if (b < 0x80) {
      this.pos = pos;
      return value;
    }
    let shift = 7;
    // The first five bytes carry bits 0..34; bits past 31 are dropped, extra bytes just skipped.
    for (let i = 1; i < 10; i++) {
      b = byteAt(buf, pos++, this.end);
      if (shift < 32) value |= (b & 0x7f) << shift;
      shift += 7;
      if (b < 0x80) {
        this.pos = pos;
        return value >>> 0;
      }
    }
    throw malformed('varint longer than 10 bytes');
  }

  /** A varint as a signed 64-bit integer, returned as a JS number (exact up to 2^53). */
  varint64(): number {
    const buf = this.buf;
    let pos = this.pos;
    let lo = 0;
    let hi = 0;
    let b = 0;
    let i = 0;
    for (; i < 4; i++) {
      b = byteAt(buf, pos++, this.end);
      lo |= (b & 0x7f) << (i * 7);
      if (b < 0x80) {
        this.pos = pos;
        return lo >>> 0;
      }
    }
    b = byteAt(buf, pos++, this.end);
    lo |= (b & 0x7f) << 28;
    hi = (b & 0x7f) >> 4;
    if (b >= 0x80) {
      for (i = 0; i < 5; i++) {
        b = byteAt(buf, pos++, this.end);
        hi |= (b & 0x7f) << (i * 7 + 3);
        if (b < 0x80) break;
      }
      if (b >= 0x80) throw malformed('varint longer than 10 bytes');
    }
    this.pos = pos;
    return (hi | 0) * TWO_32 + (lo >>> 0);
  }

  fixed32(): number {
    if (this.pos + 4 > this.end) throw malformed('truncated fixed32');
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  double(): number {
    if (this.pos + 8 > this.end) throw malformed('truncated fixed64');
    const v = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return v;
  }

  float(): number {
    if (this.pos + 4 > this.end) throw malformed('truncated fixed32');
    const v = this.buf.readFloatLE(this.pos);
    this.pos += 4;
    return v;
  }

  /** Reads a length prefix and returns the [start, end) of the payload, advancing past it. */
  span(): number {
    const len = this.varint32();
    const start = this.pos;
    if (len > this.end - start) throw malformed('length-delimited field runs past its message');
    this.pos = start + len;
    return start;
  }

  string(): string {
    const start = this.span();
    return this.buf.toString('utf8', start, this.pos);
  }

  skip(wireType: number): void {
    switch (wireType) {
      case WIRE_VARINT:
        this.varint64();
        return;
      case WIRE_FIXED64:
        if (this.pos + 8 > this.end) throw malformed('truncated fixed64');
        this.pos += 8;
        return;
      case WIRE_BYTES:
        this.span();
        return;
      case WIRE_FIXED32:
        if (this.pos + 4 > this.end) throw malformed('truncated fixed32');
        this.pos += 4;
        return;
      default:
        // Groups (3, 4) never appear in Kubernetes messages.
        throw malformed(`unsupported wire type ${wireType}`);
    }
  }
}

function byteAt(buf: Buffer, pos: number, end: number): number {
  if (pos >= end) throw malformed('truncated varint');
  return buf[pos];
}

export function malformed(detail: string) {
  return errors.badRequest(`unable to decode protobuf body: ${detail}`);
}
