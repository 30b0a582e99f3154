import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeChannel, encodeChannel, exitStatus, parseResize, pickProtocol, portPrefix } from '../../src/kubelet/server/channel-protocol.js';
import { statusToResult } from '../../src/kubelet/server/remote-process.js';

test('channel framing round-trips', () => {
  const m = encodeChannel(2, 'err');
  assert.deepEqual([...m], [2, 101, 114, 114]);
  const d = decodeChannel(m)!;
  assert.equal(d.channel, 2);
  assert.equal(d.payload.toString(), 'err');
  assert.equal(decodeChannel(Buffer.alloc(0)), undefined);
});

test('protocol choice prefers v5, accepts v4 from client-node', () => {
  assert.equal(pickProtocol(['v4.channel.k8s.io', 'v5.channel.k8s.io'], ['v5.channel.k8s.io', 'v4.channel.k8s.io']), 'v5.channel.k8s.io');
  assert.equal(pickProtocol(['v4.channel.k8s.io', 'channel.k8s.io'], ['v5.channel.k8s.io', 'v4.channel.k8s.io']), 'v4.channel.k8s.io');
  assert.equal(pickProtocol(['base64.channel.k8s.io'], ['v5.channel.k8s.io']), undefined);
});

test('exit statuses as kubectl reads them', () => {
  assert.deepEqual(exitStatus(0), { metadata: {}, status: 'Success' });
  const s = exitStatus(7);
  assert.equal(s.reason, 'NonZeroExitCode');
  assert.deepEqual(s.details!.causes, [{ reason: 'ExitCode', message: '7' }]);
  assert.equal(exitStatus(null, 'SIGKILL').details!.causes[0]!.message, '137');
  assert.deepEqual(statusToResult(s), { exitCode: 7, signal: null });
  assert.deepEqual(statusToResult(undefined), { exitCode: 0, signal: null });
});

test('resize and port prefix', () => {
  assert.deepEqual(parseResize(Buffer.from('{"Width":80,"Height":24}')), { width: 80, height: 24 });
  assert.equal(parseResize(Buffer.from('nope')), undefined);
  assert.deepEqual([...portPrefix(8080)], [0x90, 0x1f]);
});
