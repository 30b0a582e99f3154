// The load client: a child process of the benchmark that receives one LoadRequest at a time over
// IPC, drives the server over HTTPS and answers with latency summaries. It runs apart from the
// server so that client work never shares the server's event loop. It never touches server state
// except through the HTTP API.
import { HttpsClient } from './https-client.js';
import { firstResourceVersion, PodBodies } from './pod-body.js';
import type { LoadReply, LoadRequest, LoadSpec, Target, WatchResult } from './protocol.js';
import { Samples, summarize, type LatencySummary } from './stats.js';

let firstError: string | undefined;

function noteError(what: string): void {
  if (firstError === undefined) {
    firstError = what;
    process.stderr.write(`load-client: ${what}\n`);
  }
}

/**
 * `concurrency` workers each issue `op` back to back until the deadline (or maxOps in total);
 * op resolves false for a failed request, which counts as an error, not a latency sample.
 */
async function closedLoop(concurrency: number, seconds: number, maxOps: number, op: (worker: number, i: number) => Promise<boolean>): Promise<LatencySummary> {
  const lat = new Samples();
  let errors = 0;
  let issued = 0;
  const t0 = performance.now();
  const deadline = t0 + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, w) => {
      while (issued < maxOps && performance.now() < deadline) {
        const i = issued++;
        const s = performance.now();
        let ok = false;
        try {
          ok = await op(w, i);
        } catch (err) {
          noteError(String(err));
        }
        if (ok) lat.push(performance.now() - s);
        else errors++;
      }
    }),
  );
  return summarize(lat.view(), (performance.now() - t0) / 1000, errors);
}

/** Opens one keep-alive connection per worker before timing: TLS handshakes are not the subject. */
async function warm(c: HttpsClient, concurrency: number, path: string): Promise<void> {
  await Promise.all(Array.from({ length: concurrency }, () => c.request('GET', path)));
}

function check(status: number, body: string | undefined, what: string): boolean {
  if (status < 300) return true;
  noteError(`${what}: HTTP ${status} ${body?.slice(0, 300) ?? ''}`);
  return false;
}

const podsPath = (ns: string) => `/api/v1/namespaces/${ns}/pods`;

async function run(target: Target, bodies: PodBodies, spec: LoadSpec): Promise<LatencySummary | WatchResult> {
  switch (spec.kind) {
    case 'create':
    case 'fill': {
      const c = new HttpsClient(target, spec.concurrency);
      const [seconds, maxOps] = spec.kind === 'fill' ? [3600, spec.count] : [spec.seconds, spec.maxOps ?? Infinity];
      try {
        await warm(c, spec.concurrency, '/version');
        return await closedLoop(spec.concurrency, seconds, maxOps, async (_w, i) => {
          const r = await c.request('POST', podsPath(spec.namespace), bodies.create(spec.namespace, spec.prefix + i));
          return check(r.status, r.body, 'create');
        });
      } finally {
        c.close();
      }
    }
    case 'get': {
      const c = new HttpsClient(target, spec.concurrency);
      try {
        await warm(c, spec.concurrency, '/version');
        return await closedLoop(spec.concurrency, spec.seconds, spec.maxOps ?? Infinity, async (_w, i) => {
          const r = await c.request('GET', `${podsPath(spec.namespace)}/${spec.prefix}${(i * 7919) % spec.count}`);
          return check(r.status, r.body, 'get');
        });
      } finally {
        c.close();
      }
    }
    case 'update':
      return update(target, bodies, spec);
    case 'list': {
      const c = new HttpsClient(target, spec.concurrency);
      try {
        // Verified once, untimed: the timed loop does not parse 10k objects on the client.
        const first = await c.request('GET', podsPath(spec.namespace), undefined, true);
        const n = (JSON.parse(first.body!) as { items: unknown[] }).items.length;
        if (n !== spec.expect) throw new Error(`list of ${spec.namespace} returned ${n} items, expected ${spec.expect}`);
        await warm(c, spec.concurrency, '/version');
        return await closedLoop(spec.concurrency, spec.seconds, spec.maxOps ?? Infinity, async () => {
          const r = await c.request('GET', podsPath(spec.namespace));
          return check(r.status, r.body, 'list');
        });
      } finally {
        c.close();
      }
    }
    case 'raw': {
      const c = new HttpsClient(target, spec.concurrency);
      const body = spec.method === 'POST' ? bodies.create('default', 'raw') : undefined;
      try {
        await warm(c, spec.concurrency, spec.path);
        return await closedLoop(spec.concurrency, spec.seconds, spec.maxOps ?? Infinity, async () => {
          const r = await c.request(spec.method, spec.path, body);
          return check(r.status, r.body, 'raw');
        });
      } finally {
        c.close();
      }
    }
    case 'watch':
      return watch(target, bodies, spec);
  }
}

/** Each worker owns the pods i ≡ worker (mod concurrency) and keeps their latest resourceVersion. */
async function update(target: Target, bodies: PodBodies, spec: Extract<LoadSpec, { kind: 'update' }>): Promise<LatencySummary> {
  const c = new HttpsClient(target, spec.concurrency);
  try {
    const { rvs } = await currentVersions(c, spec.namespace);
    await warm(c, spec.concurrency, '/version');
    const names = Array.from({ length: spec.count }, (_, i) => spec.prefix + i);
    const cursor = new Array<number>(spec.concurrency).fill(0);
    let gen = 0;
    return await closedLoop(spec.concurrency, spec.seconds, spec.maxOps ?? Infinity, async (w) => {
      const owned = Math.floor((spec.count - 1 - w) / spec.concurrency) + 1;
      const name = names[w + spec.concurrency * (cursor[w]++ % owned)]!;
      const r = await c.request('PUT', `${podsPath(spec.namespace)}/${name}`, bodies.update(spec.namespace, name, rvs.get(name)!, gen++), true);
      if (!check(r.status, r.body, 'update')) return false;
      rvs.set(name, firstResourceVersion(r.body!)!);
      return true;
    });
  } finally {
    c.close();
  }
}

/** Each pod's resourceVersion, and the list's (the revision a watch can start from). */
async function currentVersions(c: HttpsClient, ns: string): Promise<{ rvs: Map<string, string>; listRv: string }> {
  const r = await c.request('GET', podsPath(ns), undefined, true);
  if (r.status !== 200) throw new Error(`list ${ns}: HTTP ${r.status}`);
  const list = JSON.parse(r.body!) as { metadata: { resourceVersion: string }; items: { metadata: { name: string; resourceVersion: string } }[] };
  return { rvs: new Map(list.items.map((p) => [p.metadata.name, p.metadata.resourceVersion])), listRv: list.metadata.resourceVersion };
}

/**
 * `watchers` watches on one namespace, then one writer updating its pod back to back. Delivery
 * latency pairs each write's response time with each watcher's arrival time by resourceVersion
 * (unique per write), so events that arrive before the response still pair up.
 */
async function watch(target: Target, bodies: PodBodies, spec: Extract<LoadSpec, { kind: 'watch' }>): Promise<WatchResult> {
  const writer = new HttpsClient(target, 1);
  const streams = new HttpsClient(target, spec.watchers);
  const handles: { close(): void }[] = [];
  try {
    const name = `${spec.prefix}0`;
    const { rvs, listRv } = await currentVersions(writer, spec.namespace);
    let rv = rvs.get(name);
    if (rv === undefined) throw new Error(`watch: pod ${spec.namespace}/${name} missing`);
    // arrivals[w] holds (resourceVersion, time) pairs.
    const arrivals = Array.from({ length: spec.watchers }, () => new Samples());
    const opened = Array.from({ length: spec.watchers }, async (_, w) => {
      let pending = '';
      const h = await streams.stream(`${podsPath(spec.namespace)}?watch=1&resourceVersion=${listRv}&allowWatchBookmarks=false`, (chunk, at) => {
        pending += chunk.toString('utf8');
        let nl: number;
        while ((nl = pending.indexOf('\n')) >= 0) {
          const line = pending.slice(0, nl);
          pending = pending.slice(nl + 1);
          if (line.startsWith('{"type":"ERROR"')) noteError(`watch: ${line.slice(0, 300)}`);
          const v = firstResourceVersion(line);
          if (v !== undefined) {
            arrivals[w]!.push(Number(v));
            arrivals[w]!.push(at);
          }
        }
      });
      if (h.status !== 200) throw new Error(`watch: HTTP ${h.status}`);
      handles.push(h);
    });
    await Promise.all(opened);
    // Let the server finish registering every watcher before the first write.
    await new Promise((r) => setTimeout(r, 200));
    const sentAt = new Map<number, number>();
    const doneAt = new Map<number, number>();
    const writeLat = new Samples();
    let errors = 0;
    const t0 = performance.now();
    const deadline = t0 + spec.seconds * 1000;
    for (let i = 0; i < spec.maxEvents && performance.now() < deadline; i++) {
      const s = performance.now();
      const r = await writer.request('PUT', `${podsPath(spec.namespace)}/${name}`, bodies.update(spec.namespace, name, rv, i), true);
      const e = performance.now();
      if (!check(r.status, r.body, 'watch write')) {
        errors++;
        continue;
      }
      rv = firstResourceVersion(r.body!)!;
      sentAt.set(Number(rv), s);
      doneAt.set(Number(rv), e);
      writeLat.push(e - s);
    }
    const writes = summarize(writeLat.view(), (performance.now() - t0) / 1000, errors);
    const expected = sentAt.size * spec.watchers;
    const count = () => arrivals.reduce((n, a) => n + a.length / 2, 0);
    const settle = performance.now() + 3000;
    while (count() < expected && performance.now() < settle) await new Promise((r) => setTimeout(r, 20));
    const delivery = new Samples();
    const fromSend = new Samples();
    let delivered = 0;
    for (const a of arrivals) {
      const v = a.view();
      for (let i = 0; i < v.length; i += 2) {
        const done = doneAt.get(v[i]!);
        if (done === undefined) continue;
        delivered++;
        delivery.push(Math.max(0, v[i + 1]! - done));
        fromSend.push(v[i + 1]! - sentAt.get(v[i]!)!);
      }
    }
    return {
      writes,
      delivery: summarize(delivery.view(), writes.seconds),
      deliveryFromSend: summarize(fromSend.view(), writes.seconds),
      expected,
      delivered,
    };
  } finally {
    for (const h of handles) h.close();
    writer.close();
    streams.close();
  }
}

let bodies: PodBodies | undefined;
process.on('message', (msg: LoadRequest) => {
  bodies ??= new PodBodies(msg.podJson);
  firstError = undefined;
  run(msg.target, bodies, msg.spec).then(
    (result) => process.send!({ id: msg.id, ok: true, result } satisfies LoadReply),
    (err: unknown) => process.send!({ id: msg.id, ok: false, error: err instanceof Error ? err.stack ?? err.message : String(err) } satisfies LoadReply),
  );
});
process.on('disconnect', () => process.exit(0));
