import { test } from 'node:test';
import assert from 'node:assert/strict';
import { constants, createDeflate, inflateSync } from 'node:zlib';
import { SPDY3_DICTIONARY } from '../../src/kubelet/server/spdy/dictionary.js';
import { FLAG_FIN, FrameParser, decodeHeaderBlock, encodeFrame, encodeHeaderBlock } from '../../src/kubelet/server/spdy/frames.js';
import { HeaderCompressor, HeaderDecompressor, adler32 } from '../../src/kubelet/server/spdy/header-zlib.js';
import { SpdySession, type SpdyStream } from '../../src/kubelet/server/spdy/session.js';

test('dictionary has the SPDY/3 size', () => {
  assert.equal(SPDY3_DICTIONARY.length, 1423);
});

test('adler32 matches known vector', () => {
  assert.equal(adler32(Buffer.from('Wikipedia')), 0x11e60398);
});

test('frames round-trip through the parser, split at any byte', () => {
  const frames = [
    encodeFrame({ type: 'syn_stream', streamId: 1, associatedId: 0, priority: 0, flags: FLAG_FIN, headerBlock: Buffer.from('abc') }),
    encodeFrame({ type: 'data', streamId: 1, flags: 0, data: Buffer.from('hello') }),
    encodeFrame({ type: 'ping', id: 7 }),
    encodeFrame({ type: 'rst_stream', streamId: 3, status: 5 }),
    encodeFrame({ type: 'window_update', streamId: 1, delta: 1000 }),
    encodeFrame({ type: 'goaway', lastGoodStreamId: 9, status: 0 }),
    encodeFrame({ type: 'settings', flags: 0, entries: [{ id: 7, flags: 0, value: 65536 }] }),
  ];
  const all = Buffer.concat(frames);
  const p = new FrameParser();
  const out = [];
  for (let i = 0; i < all.length; i += 3) out.push(...p.push(all.subarray(i, i + 3)));
  assert.deepEqual(out.map((f) => f.type), ['syn_stream', 'data', 'ping', 'rst_stream', 'window_update', 'goaway', 'settings']);
  const syn = out[0] as any;
  assert.equal(syn.streamId, 1);
  assert.equal(syn.flags, FLAG_FIN);
  assert.equal(syn.headerBlock.toString(), 'abc');
  assert.equal((out[1] as any).data.toString(), 'hello');
  assert.equal((out[4] as any).delta, 1000);
  assert.deepEqual((out[6] as any).entries, [{ id: 7, flags: 0, value: 65536 }]);
});

test('header blocks: NUL-joined values, lower-case names', () => {
  const raw = encodeHeaderBlock({ StreamType: 'error', port: ['80', '81'] });
  assert.deepEqual(decodeHeaderBlock(raw), { streamtype: ['error'], port: ['80', '81'] });
});

test('our compressed blocks form one valid zlib stream with the dictionary', () => {
  const c = new HeaderCompressor();
  const a = c.compress(encodeHeaderBlock({ streamtype: 'data' }));
  const b = c.compress(encodeHeaderBlock({ streamtype: 'error', port: '8080' }));
  // Inflate the concatenation as a whole: a sync flush boundary lies between the blocks.
  const inflated = inflateSync(Buffer.concat([a, b]), { dictionary: SPDY3_DICTIONARY, finishFlush: constants.Z_SYNC_FLUSH });
  const first = encodeHeaderBlock({ streamtype: 'data' });
  assert.deepEqual(decodeHeaderBlock(inflated.subarray(0, first.length)), { streamtype: ['data'] });
  assert.deepEqual(decodeHeaderBlock(inflated.subarray(first.length)), { streamtype: ['error'], port: ['8080'] });
});

test('decompressor reads a peer stream compressed with real deflate', async () => {
  const d = createDeflate({ dictionary: SPDY3_DICTIONARY });
  const chunks: Buffer[] = [];
  d.on('data', (c: Buffer) => chunks.push(c));
  const deflate = (raw: Buffer) => new Promise<Buffer>((res) => {
    d.write(raw);
    d.flush(constants.Z_SYNC_FLUSH, () => res(Buffer.concat(chunks.splice(0))));
  });
  const dec = new HeaderDecompressor();
  const one = await deflate(encodeHeaderBlock({ streamtype: 'stdout' }));
  const two = await deflate(encodeHeaderBlock({ streamtype: 'stderr' }));
  assert.deepEqual(decodeHeaderBlock(await dec.decompress(one)), { streamtype: ['stdout'] });
  assert.deepEqual(decodeHeaderBlock(await dec.decompress(two)), { streamtype: ['stderr'] });
  dec.close();
});

function pair(): { client: SpdySession; server: SpdySession } {
  let client!: SpdySession;
  let server!: SpdySession;
  client = new SpdySession({ write: (b) => setImmediate(() => server.receive(b)), end: () => setImmediate(() => server.transportClosed()) }, 'client');
  server = new SpdySession({ write: (b) => setImmediate(() => client.receive(b)), end: () => setImmediate(() => client.transportClosed()) }, 'server');
  return { client, server };
}

test('sessions: open, reply, data both ways, half-close, ping', async () => {
  const { client, server } = pair();
  const got = new Promise<SpdyStream>((res) => server.on('stream', res));
  const s = client.openStream({ streamtype: 'data', port: '80', requestid: '0' });
  const reply = new Promise((res) => s.on('reply', res));
  const ss = await got;
  assert.equal(ss.header('streamtype'), 'data');
  assert.equal(ss.header('port'), '80');
  ss.reply({});
  await reply;
  const serverData: Buffer[] = [];
  ss.on('data', (d: Buffer) => serverData.push(d));
  const serverEnd = new Promise((res) => ss.on('end', res));
  s.write('ping-me');
  s.end();
  await serverEnd;
  assert.equal(Buffer.concat(serverData).toString(), 'ping-me');
  const clientData: Buffer[] = [];
  s.on('data', (d: Buffer) => clientData.push(d));
  const closed = new Promise((res) => s.on('close', res));
  ss.end('pong');
  await closed;
  assert.equal(Buffer.concat(clientData).toString(), 'pong');
  const pong = new Promise((res) => client.on('pong', res));
  client.ping(1);
  assert.equal(await pong, 1);
  const serverClosed = new Promise((res) => server.on('close', res));
  client.close();
  await serverClosed;
});

test('data that arrives before a listener is kept, and end waits for it', async () => {
  const { client, server } = pair();
  const got = new Promise<SpdyStream>((res) => server.on('stream', res));
  const s = client.openStream({ streamtype: 'stdin' });
  s.write('early');
  s.end();
  const ss = await got;
  await new Promise((r) => setTimeout(r, 20));
  const chunks: Buffer[] = [];
  const ended = new Promise((r) => ss.on('end', r));
  ss.on('data', (d: Buffer) => chunks.push(d));
  await ended;
  assert.equal(Buffer.concat(chunks).toString(), 'early');
  client.close();
});
