// The runtime gate: at most `limit` runtime calls at once, the oldest pods first, and a stuck
// call gives up its slot after maxHoldMs so it cannot stall the node.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nextWaiter, RuntimeGate } from '../../src/kubelet/pods/runtime-gate.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('waiters run lowest pod order first, then first come', () => {
  assert.equal(nextWaiter([]), -1);
  assert.equal(nextWaiter([{ order: 5, seq: 0 }, { order: 2, seq: 3 }, { order: 2, seq: 1 }]), 2);
});

test('at most limit calls run at once; an older pod overtakes newer ones that waited longer', async () => {
  const gate = new RuntimeGate(2, 10_000);
  const started: string[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const work = (name: string, ms: number) => async () => {
    started.push(name);
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    await sleep(ms);
    inFlight--;
    return name;
  };
  const all = [
    gate.run(0, work('pod0-sandbox', 30)),
    gate.run(1, work('pod1-sandbox', 30)),
    gate.run(2, work('pod2-sandbox', 30)),
    gate.run(3, work('pod3-sandbox', 30)),
  ];
  // pod0's next step arrives after pod2 and pod3 queued, yet goes first.
  await sleep(5);
  all.push(gate.run(0, work('pod0-start', 10)));
  assert.deepEqual(await Promise.all(all), ['pod0-sandbox', 'pod1-sandbox', 'pod2-sandbox', 'pod3-sandbox', 'pod0-start']);
  assert.deepEqual(started, ['pod0-sandbox', 'pod1-sandbox', 'pod0-start', 'pod2-sandbox', 'pod3-sandbox']);
  assert.equal(maxInFlight, 2);
  assert.equal(gate.pending(), 0);
});

test('a call stuck past maxHoldMs frees its slot; failures free it at once', async () => {
  const gate = new RuntimeGate(1, 40);
  const stuck = gate.run(0, () => sleep(300));
  const t0 = Date.now();
  await gate.run(1, async () => undefined);
  const waited = Date.now() - t0;
  assert.ok(waited >= 30 && waited < 250, `waited ${waited} ms`);
  await assert.rejects(gate.run(2, async () => { throw new Error('runtime said no'); }), /runtime said no/);
  await gate.run(3, async () => undefined);
  await stuck;
});
