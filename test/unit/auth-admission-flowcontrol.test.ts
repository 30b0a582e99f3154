// FairQueue (src/auth/flowcontrol): API Priority-and-Fairness-like request admission.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { StatusError } from '../../src/api/errors.js';
import { FairQueue, isExempt } from '../../src/auth/flowcontrol/index.js';

describe('FairQueue', () => {
  it('grants seats immediately under the limit', async () => {
    const q = new FairQueue({ totalConcurrency: 2 });
    const r1 = await q.acquire('a');
    const r2 = await q.acquire('b');
    assert.deepEqual(q.stats(), { executing: 2, waiting: 0, flows: 2 });
    r1();
    r1(); // idempotent
    r2();
    assert.deepEqual(q.stats(), { executing: 0, waiting: 0, flows: 0 });
  });

  it('refuses with 429 and Retry-After when a flow queue is full', async () => {
    const q = new FairQueue({ totalConcurrency: 1, queueLengthPerFlow: 1 });
    const r = await q.acquire('a');
    const waiting = q.acquire('a');
    await assert.rejects(q.acquire('a'), (e: unknown) => e instanceof StatusError && e.code === 429 && e.message === 'Too many requests, please try again later.' && e.details?.retryAfterSeconds === 1);
    r();
    (await waiting)();
  });

  it('times out waiters with 429 and honours abort', async () => {
    const q = new FairQueue({ totalConcurrency: 1, maxWaitMs: 30 });
    const r = await q.acquire('a');
    await assert.rejects(q.acquire('b'), (e: unknown) => e instanceof StatusError && e.code === 429);
    const ac = new AbortController();
    const p = q.acquire('c', ac.signal);
    ac.abort(new Error('client went away'));
    await assert.rejects(p, /client went away/);
    r();
    assert.equal(q.stats().waiting, 0);
  });

  it('a flooding client cannot starve a second one', async () => {
    const q = new FairQueue({ totalConcurrency: 4, queueLengthPerFlow: 1000, maxWaitMs: 10_000 });
    const done = { flood: 0, polite: 0 };
    const work = async (flow: 'flood' | 'polite') => {
      const release = await q.acquire(flow);
      await sleep(2);
      done[flow]++;
      release();
    };
    // The flooder fires 400 requests at once; the polite client sends 20, one after another.
    const flood = Array.from({ length: 400 }, () => work('flood').catch(() => {}));
    const start = Date.now();
    for (let i = 0; i < 20; i++) await work('polite');
    const politeMs = Date.now() - start;
    const floodDoneWhenPoliteFinished = done.flood;
    await Promise.all(flood);
    assert.equal(done.polite, 20);
    // Each polite request waited for at most about one seat's turn, not behind the 400-deep flood.
    assert.ok(floodDoneWhenPoliteFinished < 200, `flood completed ${floodDoneWhenPoliteFinished} before polite finished`);
    assert.ok(politeMs < 1000, `polite took ${politeMs}ms`);
  });

  it('shares seats between two busy flows', async () => {
    const q = new FairQueue({ totalConcurrency: 2, queueLengthPerFlow: 100 });
    const order: string[] = [];
    const blockers = [await q.acquire('a'), await q.acquire('a')];
    const pending = [...Array.from({ length: 5 }, () => q.acquire('a').then((r) => (order.push('a'), r))), ...Array.from({ length: 5 }, () => q.acquire('b').then((r) => (order.push('b'), r)))];
    blockers[0]!();
    await sleep(0);
    // The freed seat goes to b, which holds none, ahead of a's earlier-queued requests.
    assert.equal(order[0], 'b');
    blockers[1]!();
    for (const p of pending) (await p)();
    assert.equal(order.length, 10);
  });

  it('exempts watches, masters and health checks', () => {
    assert.equal(isExempt({ verb: 'watch', groups: [] }), true);
    assert.equal(isExempt({ verb: 'list', groups: ['system:masters'] }), true);
    assert.equal(isExempt({ verb: 'get', groups: [], path: '/readyz' }), true);
    assert.equal(isExempt({ verb: 'list', groups: ['devs'] }), false);
  });
});
