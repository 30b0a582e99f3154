import { test, before, after } from 'node:test';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { startAgent, type RunningAgent } from '../../src/agent/agent.js';
import { HttpKubeClient } from '../../src/client/http-client.js';
import { R } from '../../src/client/resources.js';
import { deletePodBridge } from '../../src/kubelet/network/cni-config.js';
import { startTestControlPlane, type TestControlPlane } from '../support/control-plane.js';
import { startImageRegistry, type ImageRegistry } from '../support/image-registry.js';
import { unmountBelow } from '../support/node-runtime.js';

const NODE = `k8ts-kb-${process.pid}`;
const bridge = `k8tsb${Math.floor(Math.random() * 1e6)}`;
const podCIDR = `10.42.${100 + Math.floor(Math.random() * 150)}.0/24`;
let cp: TestControlPlane, registry: ImageRegistry, client: HttpKubeClient, agent: RunningAgent, dataDir: string;
const ac = new AbortController();
before(async () => {
  registry = await startImageRegistry();
  cp = await startTestControlPlane({ controllers: true });
  client = new HttpKubeClient(await cp.clientConfig('admin', ['system:masters']));
  dataDir = await mkdtemp(join(tmpdir(), 'k8ts-kb-'));
  await writeFile(join(dataDir, 'registries.yaml'), registry.registriesYaml());
  agent = await startAgent({ dataDir, nodeName: NODE, nodeIP: '127.0.0.1', serverClientConfig: await cp.clientConfig('admin', ['system:masters']), podCIDR, cniBridge: bridge, removePodsOnStop: true, logger: pino({ level: 'silent' }) }, ac.signal);
  await agent.registered;
});
after(async () => {
  ac.abort(); await agent?.done; client?.close(); await cp?.stop(); await registry?.stop(); await deletePodBridge(bridge);
  await unmountBelow(dataDir); await rm(dataDir, { recursive: true, force: true });
});
async function run(n: number, prefix: string) {
  const t0 = Date.now();
  const started = new Map<string, number>();
  const watchAc = new AbortController();
  const watching = client.watch(R.pods, 'default', { signal: watchAc.signal }, (e) => {
    const p = e.object as any;
    if (p.metadata.name.startsWith(prefix) && !started.has(p.metadata.name) && p.status?.containerStatuses?.every((c: any) => c.state?.running)) started.set(p.metadata.name, Date.now());
  }).catch(() => undefined);
  const created = new Map<string, number>();
  await Promise.all(Array.from({ length: n }, async (_, i) => {
    const name = `${prefix}${i}`;
    created.set(name, Date.now());
    await client.create(R.pods, 'default', { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { nodeName: NODE, terminationGracePeriodSeconds: 0, containers: [{ name: 'c', image: 'busybox', imagePullPolicy: 'IfNotPresent', command: ['sleep', '3600'] }] } });
  }));
  while (started.size < n && Date.now() - t0 < 60_000) await new Promise((r) => setTimeout(r, 20));
  // creationTimestamp has 1 s resolution: measure from our own create call instead.
  const lat = [...created.keys()].map((k) => (started.get(k) ?? NaN) - created.get(k)!).sort((a, b) => a - b);
  watchAc.abort(); await watching;
  return { n, p50: lat[Math.floor(n * 0.5)], p99: lat[Math.min(n - 1, Math.floor(n * 0.99))], started: started.size, wall: Date.now() - t0 };
}
test('latency', async () => {
  // warm up (image pull)
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t = Date.now();
    const r = await run(1, `one${i}-`);
    times.push(Date.now() - t);
    console.log('1 pod', r, Date.now() - t, 'ms');
  }
  const t = Date.now();
  const r = await run(30, 'many-');
  console.log('30 pods', r, Date.now() - t, 'ms');
  const pods = (await client.list(R.pods, 'default')).items;
  await Promise.all(pods.map((p) => client.delete(R.pods, 'default', p.metadata.name!, { gracePeriodSeconds: 0 }).catch(() => undefined)));
  const t2 = Date.now();
  while ((await client.list(R.pods, 'default')).items.length && Date.now() - t2 < 60_000) await new Promise((r) => setTimeout(r, 100));
  console.log('deleted all in', Date.now() - t2, 'ms');
});
