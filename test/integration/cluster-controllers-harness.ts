// Shared by the cluster-level controller integration tests: a real control plane (no built-in
// controllers), an admin client, a fresh informer factory, and the controller under test running.
import pino from 'pino';
import type { KubeObject } from '../../src/api/object.js';
import { R } from '../../src/client/resources.js';
import { HttpKubeClient } from '../../src/client/http-client.js';
import { createSharedInformerFactory } from '../../src/client/informer.js';
import type { EventRecorder } from '../../src/client/informer-types.js';
import { realClock } from '../../src/client/informer-types.js';
import type { Controller, ControllerDeps } from '../../src/controllers/types.js';
import { startTestControlPlane, type TestControlPlane } from '../support/control-plane.js';

export interface RecordedEvent {
  obj: KubeObject;
  type: string;
  reason: string;
  message: string;
}

export interface Harness {
  cp: TestControlPlane;
  client: HttpKubeClient;
  events: RecordedEvent[];
  /** Builds deps with a fresh informer factory, starts the controllers, returns a stop function. */
  start(make: (deps: ControllerDeps) => Controller[]): Promise<() => Promise<void>>;
  stop(): Promise<void>;
}

export async function startHarness(): Promise<Harness> {
  const cp = await startTestControlPlane({ controllers: false });
  const client = new HttpKubeClient(await cp.clientConfig('admin', ['system:masters']));
  const events: RecordedEvent[] = [];
  const recorder: EventRecorder = { event: (obj, type, reason, message) => void events.push({ obj, type, reason, message }) };
  const running: (() => Promise<void>)[] = [];
  return {
    cp,
    client,
    events,
    async start(make) {
      const ac = new AbortController();
      const informers = createSharedInformerFactory(client);
      const logger = pino({ level: process.env.K8TS_TEST_LOG ?? 'silent' });
      const controllers = make({ client, informers, recorder, clock: realClock, logger });
      const done = controllers.map((c) => c.run(ac.signal));
      informers.start(ac.signal);
      const stop = async () => {
        ac.abort();
        await Promise.allSettled(done);
      };
      running.push(stop);
      return stop;
    },
    async stop() {
      for (const s of running) await s();
      client.close();
      await cp.stop();
    },
  };
}

export async function eventually<T>(probe: () => Promise<T | undefined | false> | T | undefined | false, ms = 10_000, what = 'condition'): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v as T;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) throw new Error(`${what} not met in ${ms} ms${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A pod bound to node n1 with a Running status, IP and Ready condition written as a kubelet would. */
export async function runningPod(h: Harness, NS: string, name: string, ip: string, ready: boolean, extra: { labels?: Record<string, string>; hostname?: string; subdomain?: string } = {}): Promise<KubeObject> {
  const p = await h.client.create(R.pods, NS, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: NS, labels: extra.labels ?? { app: 'web' } },
    spec: { nodeName: 'n1', hostname: extra.hostname, subdomain: extra.subdomain, containers: [{ name: 'c', image: 'nginx', ports: [{ name: 'http', containerPort: 8080 }] }] },
  });
  const status = { phase: 'Running', podIP: ip, podIPs: [{ ip }], conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] };
  return h.client.update(R.pods, NS, { ...p, status }, { subresource: 'status' });
}

