// A SPDY/3.1 session over any byte transport, as the streaming protocols of Kubernetes use it:
// many short streams carrying only name/value headers and DATA, half-closed with FIN. Flow control
// is not enforced (Kubernetes' spdystream peer neither enforces nor advertises windows).
import { EventEmitter } from 'node:events';
import {
  FLAG_FIN, FrameParser, RST_CANCEL, RST_PROTOCOL_ERROR, decodeHeaderBlock, encodeFrame, encodeHeaderBlock,
  type Frame, type HeaderMap,
} from './frames.js';
import { HeaderCompressor, HeaderDecompressor } from './header-zlib.js';

export interface ByteTransport {
  write(b: Buffer): void;
  end(): void;
}

export class SpdyStream extends EventEmitter {
  localClosed = false;
  remoteClosed = false;
  replied = false;
  replyHeaders: HeaderMap | undefined;

  /** Data that arrived before anyone listened (streams are collected before they are used). */
  private pending: Buffer[] | null = [];
  private endPending = false;

  constructor(private readonly session: SpdySession, readonly id: number, readonly headers: HeaderMap) {
    super();
    this.on('newListener', (event: string) => {
      if (event === 'data' && this.pending) queueMicrotask(() => this.flow());
    });
  }

  private flow(): void {
    const p = this.pending;
    if (!p) return;
    this.pending = null;
    for (const d of p) this.emit('data', d);
    if (this.endPending) {
      this.endPending = false;
      this.emit('end');
      this.maybeClose();
    }
  }

  /** @internal */
  pushData(d: Buffer): void {
    if (this.pending) this.pending.push(d);
    else this.emit('data', d);
  }

  header(name: string): string | undefined {
    return this.headers[name]?.[0];
  }

  /** Answers a stream the peer opened (SYN_REPLY). */
  reply(headers: Record<string, string | string[]> = {}, fin = false): void {
    if (this.replied) return;
    this.replied = true;
    this.session.sendFrame({ type: 'syn_reply', streamId: this.id, flags: fin ? FLAG_FIN : 0, headerBlock: this.session.compress(headers) });
    if (fin) this.closeLocal();
  }

  write(data: Buffer | string): void {
    if (this.localClosed) return;
    const b = typeof data === 'string' ? Buffer.from(data) : data;
    for (let off = 0; off < b.length; off += 0xffffff) {
      this.session.sendFrame({ type: 'data', streamId: this.id, flags: 0, data: b.subarray(off, off + 0xffffff) });
    }
  }

  /** Half-closes our side (empty DATA with FIN). */
  end(data?: Buffer | string): void {
    if (this.localClosed) return;
    if (data !== undefined && data.length) this.write(data);
    this.session.sendFrame({ type: 'data', streamId: this.id, flags: FLAG_FIN, data: Buffer.alloc(0) });
    this.closeLocal();
  }

  reset(status = RST_CANCEL): void {
    if (this.localClosed && this.remoteClosed) return;
    this.session.sendFrame({ type: 'rst_stream', streamId: this.id, status });
    this.localClosed = this.remoteClosed = true;
    this.session.forget(this.id);
    this.emit('close');
  }

  /** @internal */
  closeLocal(): void {
    this.localClosed = true;
    this.maybeClose();
  }

  /** @internal */
  closeRemote(): void {
    if (this.remoteClosed) return;
    this.remoteClosed = true;
    if (this.pending?.length) {
      this.endPending = true;
      return;
    }
    this.emit('end');
    this.maybeClose();
  }

  /** @internal */
  remoteReset(status: number): void {
    this.localClosed = this.remoteClosed = true;
    this.emit('reset', status);
    this.emit('close');
  }

  private maybeClose(): void {
    if (this.localClosed && this.remoteClosed && !this.endPending) {
      this.session.forget(this.id);
      this.emit('close');
    }
  }
}

/**
 * Events: 'stream' (SpdyStream opened by the peer), 'goaway', 'close', 'error'.
 */
export class SpdySession extends EventEmitter {
  private readonly parser = new FrameParser();
  private readonly compressor = new HeaderCompressor();
  private readonly decompressor = new HeaderDecompressor();
  private readonly streams = new Map<number, SpdyStream>();
  private nextId: number;
  private chain: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(private readonly transport: ByteTransport, readonly role: 'server' | 'client') {
    super();
    this.nextId = role === 'client' ? 1 : 2;
  }

  /** Feeds bytes read from the transport. */
  receive(chunk: Buffer): void {
    if (this.closed) return;
    let frames: Frame[];
    try {
      frames = this.parser.push(chunk);
    } catch (err) {
      this.fail(err as Error);
      return;
    }
    for (const f of frames) this.chain = this.chain.then(() => this.handle(f)).catch((err) => this.fail(err as Error));
  }

  /** Opens a stream from our side (SYN_STREAM). */
  openStream(headers: Record<string, string | string[]>, fin = false): SpdyStream {
    const id = this.nextId;
    this.nextId += 2;
    const s = new SpdyStream(this, id, {});
    this.streams.set(id, s);
    this.sendFrame({ type: 'syn_stream', streamId: id, associatedId: 0, priority: 0, flags: fin ? FLAG_FIN : 0, headerBlock: this.compress(headers) });
    if (fin) s.closeLocal();
    return s;
  }

  ping(id: number): void {
    this.sendFrame({ type: 'ping', id });
  }

  /** Sends GOAWAY and ends the transport. */
  close(): void {
    if (this.closed) return;
    this.sendFrame({ type: 'goaway', lastGoodStreamId: 0, status: 0 });
    this.shutdown();
    this.transport.end();
  }

  /** The transport went away: every stream ends. */
  transportClosed(): void {
    this.shutdown();
  }

  get activeStreams(): number {
    return this.streams.size;
  }

  /** @internal */
  sendFrame(f: Frame): void {
    if (this.closed) return;
    this.transport.write(encodeFrame(f));
  }

  /** @internal */
  compress(headers: Record<string, string | string[]>): Buffer {
    return this.compressor.compress(encodeHeaderBlock(headers));
  }

  /** @internal */
  forget(id: number): void {
    this.streams.delete(id);
  }

  private shutdown(): void {
    if (this.closed) return;
    this.closed = true;
    for (const s of [...this.streams.values()]) s.remoteReset(RST_CANCEL);
    this.streams.clear();
    this.decompressor.close();
    this.emit('close');
  }

  private fail(err: Error): void {
    if (this.closed) return;
    this.emit('error', err);
    this.sendFrame({ type: 'goaway', lastGoodStreamId: 0, status: RST_PROTOCOL_ERROR });
    this.shutdown();
    this.transport.end();
  }

  private async handle(f: Frame): Promise<void> {
    if (this.closed) return;
    switch (f.type) {
      case 'syn_stream': {
        const headers = decodeHeaderBlock(await this.decompressor.decompress(f.headerBlock));
        if (this.streams.has(f.streamId)) {
          this.sendFrame({ type: 'rst_stream', streamId: f.streamId, status: RST_PROTOCOL_ERROR });
          return;
        }
        const s = new SpdyStream(this, f.streamId, headers);
        this.streams.set(f.streamId, s);
        this.emit('stream', s);
        if (f.flags & FLAG_FIN) s.closeRemote();
        return;
      }
      case 'syn_reply':
      case 'headers': {
        const headers = decodeHeaderBlock(await this.decompressor.decompress(f.headerBlock));
        const s = this.streams.get(f.streamId);
        if (!s) return;
        if (f.type === 'syn_reply') {
          s.replyHeaders = headers;
          s.emit('reply', headers);
        } else s.emit('headers', headers);
        if (f.flags & FLAG_FIN) s.closeRemote();
        return;
      }
      case 'data': {
        const s = this.streams.get(f.streamId);
        if (!s) return;
        if (f.data.length) s.pushData(f.data);
        if (f.flags & FLAG_FIN) s.closeRemote();
        return;
      }
      case 'rst_stream': {
        const s = this.streams.get(f.streamId);
        if (!s) return;
        this.streams.delete(f.streamId);
        s.remoteReset(f.status);
        return;
      }
      case 'ping': {
        // Echo the peer's pings (odd ids from a client, even from a server); ours come back as replies.
        const peerOdd = this.role === 'server';
        if ((f.id % 2 === 1) === peerOdd) this.sendFrame(f);
        else this.emit('pong', f.id);
        return;
      }
      case 'goaway':
        this.emit('goaway', f.status);
        this.shutdown();
        this.transport.end();
        return;
      default:
        return; // SETTINGS, WINDOW_UPDATE and unknown control frames need no answer
    }
  }
}
