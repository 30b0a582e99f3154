// The proxy's sync loop with in-memory informers and a recording nft runner: what reaches the
// kernel, and when (first full write, coalesced incremental updates, recovery, node deletion).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../src/api/object.js';
import { ServiceProxy } from '../../src/proxy/service-proxy.js';
import { FakeInformers, RecordingNft } from './proxy-fakes.js';

const quiet = { debug() {}, info() {}, warn() {}, error() {} };

function service(name: string, clusterIP: string): KubeObject {
  return { metadata: { namespace: 'default', name }, spec: { clusterIP, ports: [{ port: 80 }] } };
}
function slice(svc: string, ips: string[]): KubeObject {
  return {
    metadata: { namespace: 'default', name: `${svc}-x`, labels: { 'kubernetes.io/service-name': svc } },
    addressType: 'IPv4',
    endpoints: ips.map((ip) => ({ addresses: [ip], conditions: { ready: true } })),
    ports: [{ name: '', port: 8080, protocol: 'TCP' }],
  };
}

async function until(what: string, cond: () => boolean, timeoutMs = 2000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function setup() {
  const informers = new FakeInformers();
  const nft = new RecordingNft();
  const proxy = new ServiceProxy({ informers, nft, logger: quiet }, { table: 't', nodeName: 'n1', syncDelayMs: 20, removeOnStop: true });
  informers.of('nodes').set({ metadata: { name: 'n1' } });
  informers.of('services').set(service('a', '10.43.0.1'));
  informers.of('endpointslices').set(slice('a', ['10.42.0.2']));
  informers.of('services').set(service('b', '10.43.0.2'));
  const ac = new AbortController();
  const done = proxy.run(ac.signal);
  return { informers, nft, ac, done };
}

test('the first sync writes the whole table; a burst of changes becomes one incremental transaction', async () => {
  const { informers, nft, ac, done } = setup();
  await until('first sync', () => nft.programs.length === 1);
  assert.match(nft.programs[0]!, /^add table ip t\ndelete table ip t\n/);
  assert.ok(nft.programs[0]!.includes('10.43.0.1 . tcp . 80 : goto svc-'));
  assert.ok(nft.programs[0]!.includes('10.43.0.2 . tcp . 80 : goto reject-chain'));
  for (let i = 3; i <= 7; i++) informers.of('endpointslices').set(slice('a', ['10.42.0.2', `10.42.0.${i}`]));
  await until('the update', () => nft.programs.length === 2);
  await new Promise((r) => setTimeout(r, 60));
  assert.equal(nft.programs.length, 2, 'one transaction for the whole burst');
  const update = nft.programs[1]!;
  assert.ok(!update.includes('delete table'));
  assert.ok(update.includes('dnat to 10.42.0.7:8080'));
  assert.ok(!update.includes('10.43.0.2'), 'an unchanged Service is not rewritten');
  ac.abort();
  await done;
  assert.equal(nft.programs.at(-1), 'add table ip t\ndelete table ip t\n', 'the table is removed on stop');
});

test('an update that fails is followed by a full rewrite', async () => {
  const { informers, nft, ac, done } = setup();
  await until('first sync', () => nft.programs.length === 1);
  nft.failNext = true;
  informers.of('endpointslices').set(slice('a', ['10.42.0.9']));
  await until('recovery', () => nft.programs.length === 2, 3000);
  assert.match(nft.programs[1]!, /^add table ip t\ndelete table ip t\n/);
  assert.ok(nft.programs[1]!.includes('dnat to 10.42.0.9:8080'));
  ac.abort();
  await done;
});

test('deleting the Node removes the table; the Node coming back programs it again', async () => {
  const { informers, nft, ac, done } = setup();
  await until('first sync', () => nft.programs.length === 1);
  informers.of('nodes').delete({ metadata: { name: 'n1' } });
  await until('table removal', () => nft.programs.length === 2);
  assert.equal(nft.programs[1], 'add table ip t\ndelete table ip t\n');
  informers.of('endpointslices').set(slice('a', ['10.42.0.3']));
  await new Promise((r) => setTimeout(r, 80));
  assert.equal(nft.programs.length, 2, 'nothing is programmed for a deleted node');
  informers.of('nodes').set({ metadata: { name: 'n1' } });
  await until('reprogramming', () => nft.programs.length === 3);
  assert.ok(nft.programs[2]!.includes('dnat to 10.42.0.3:8080'));
  ac.abort();
  await done;
});

test('two Services claiming one external IP and port: the first keeps it, the second takes over when it goes', async () => {
  const { informers, nft, ac, done } = setup();
  await until('first sync', () => nft.programs.length === 1);
  const withExternalIP = (name: string, clusterIP: string) => ({
    metadata: { namespace: 'default', name },
    spec: { clusterIP, externalIPs: ['192.0.2.5'], ports: [{ port: 80 }] },
  });
  informers.of('services').set(withExternalIP('a', '10.43.0.1'));
  await until('a claims the external IP', () => nft.programs.some((p) => /add element ip t service-ips \{[^}]*192\.0\.2\.5 \. tcp \. 80 : goto ext-\w+-default\/a\//.test(p)));
  const n = nft.programs.length;
  informers.of('services').set(withExternalIP('b', '10.43.0.2'));
  await new Promise((r) => setTimeout(r, 80));
  assert.ok(!nft.programs.slice(n).some((p) => p.includes('192.0.2.5 . tcp . 80 : goto reject-chain')), 'b does not take the key');
  informers.of('services').delete(withExternalIP('a', '10.43.0.1'));
  await until('b takes the external IP', () => nft.programs.some((p) => p.includes('192.0.2.5 . tcp . 80 : goto reject-chain')));
  ac.abort();
  await done;
});

test('a table removed behind the proxy\'s back is written again', async () => {
  const informers = new FakeInformers();
  const nft = new RecordingNft();
  const proxy = new ServiceProxy({ informers, nft, logger: quiet }, { table: 't', nodeName: 'n1', syncDelayMs: 5, tableCheckIntervalMs: 20 });
  informers.of('nodes').set({ metadata: { name: 'n1' } });
  informers.of('services').set(service('a', '10.43.0.1'));
  const ac = new AbortController();
  const done = proxy.run(ac.signal);
  await until('first sync', () => nft.programs.length === 1);
  await new Promise((r) => setTimeout(r, 60));
  assert.equal(nft.programs.length, 1, 'nothing is rewritten while the table exists');
  nft.tablePresent = false;
  await until('rewrite', () => nft.programs.length === 2);
  assert.match(nft.programs[1]!, /^add table ip t\ndelete table ip t\n/);
  ac.abort();
  await done;
});
