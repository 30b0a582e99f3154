// Header-block compression for SPDY/3. Each direction of a session is one zlib stream primed with
// the SPDY dictionary. Outgoing blocks are written as stored (uncompressed) deflate blocks, which is
// valid zlib, synchronous and cheap for the few small headers k8s streams carry. Incoming blocks
// are inflated by a persistent zlib stream, flushed per block.
import { constants, createInflate, type Inflate } from 'node:zlib';
import { SPDY3_DICTIONARY } from './dictionary.js';

export function adler32(b: Uint8Array): number {
  let a = 1;
  let s = 0;
  for (let i = 0; i < b.length; ) {
    const end = Math.min(b.length, i + 3800);
    for (; i < end; i++) {
      a += b[i]!;
      s += a;
    }
    a %= 65521;
    s %= 65521;
  }
  return ((s << 16) | a) >>> 0;
}

/** BFINAL=0, BTYPE=00 (stored), padded to the byte boundary, then LEN and its complement. */
function storedBlockHeader(n: number): Buffer {
  const h = Buffer.allocUnsafe(5);
  h[0] = 0;
  h.writeUInt16LE(n, 1);
  h.writeUInt16LE(~n & 0xffff, 3);
  return h;
}

export class HeaderCompressor {
  private started = false;

  compress(raw: Buffer): Buffer {
    const parts: Buffer[] = [];
    if (!this.started) {
      this.started = true;
      const cmf = 0x78;
      let flg = 0x20; // FDICT, fastest level
      flg += (31 - ((cmf * 256 + flg) % 31)) % 31;
      const head = Buffer.allocUnsafe(6);
      head[0] = cmf;
      head[1] = flg;
      head.writeUInt32BE(adler32(SPDY3_DICTIONARY), 2);
      parts.push(head);
    }
    for (let off = 0; off < raw.length; ) {
      const n = Math.min(0xffff, raw.length - off);
      parts.push(storedBlockHeader(n), raw.subarray(off, off + n));
      off += n;
    }
    // An empty stored block ends each header block, as a zlib sync flush does: Go's inflater only
    // hands out a block's bytes once it has read the next block header.
    parts.push(storedBlockHeader(0));
    return Buffer.concat(parts);
  }
}

export class HeaderDecompressor {
  private readonly inflate: Inflate = createInflate({ dictionary: SPDY3_DICTIONARY });
  private out: Buffer[] = [];
  private queue: Promise<unknown> = Promise.resolve();
  private failed: Error | undefined;

  constructor() {
    this.inflate.on('data', (c: Buffer) => this.out.push(c));
    this.inflate.on('error', (e: Error) => {
      this.failed = e;
    });
  }

  /** Inflates one header block; calls are served in order. */
  decompress(block: Buffer): Promise<Buffer> {
    const run = () =>
      new Promise<Buffer>((resolve, reject) => {
        if (this.failed) return reject(this.failed);
        this.inflate.write(block);
        this.inflate.flush(constants.Z_SYNC_FLUSH, () => {
          if (this.failed) return reject(this.failed);
          const r = Buffer.concat(this.out);
          this.out = [];
          resolve(r);
        });
      });
    const p = this.queue.then(run, run);
    this.queue = p.catch(() => undefined);
    return p;
  }

  close(): void {
    this.inflate.close();
  }
}
