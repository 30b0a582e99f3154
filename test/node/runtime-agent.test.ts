// The node agent end to end: a control plane in the test process, the agent with its own
// containerd joining it, pods from the API running as real containers on the pod network.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { startAgent, type RunningAgent } from '../../src/agent/agent.js';
import { HttpKubeClient } from '../../src/client/http-client.js';
import { R } from '../../src/client/resources.js';
import type { KubeObject } from '../../src/api/object.js';
import { startTestControlPlane, type TestControlPlane } from '../support/control-plane.js';
import { startImageRegistry, type ImageRegistry } from '../support/image-registry.js';
import { nodeRuntimeUnavailable, testNodeNetwork, unmountBelow } from '../support/node-runtime.js';

const skip = nodeRuntimeUnavailable();
const NODE = `k8ts-rt-${process.pid}`;
const net = testNodeNetwork('k8tsa');
const { podCIDR } = net;
let cp: TestControlPlane;
let registry: ImageRegistry;
let client: HttpKubeClient;
let agent: RunningAgent;
let dataDir: string;
const ac = new AbortController();

before(async () => {
  if (skip) return;
  registry = await startImageRegistry();
  cp = await startTestControlPlane({ controllers: true, serviceCidr: net.serviceCIDR });
  client = new HttpKubeClient(await cp.clientConfig('admin', ['system:masters']));
  dataDir = await mkdtemp(join(tmpdir(), 'k8ts-agent-'));
  await writeFile(join(dataDir, 'registries.yaml'), registry.registriesYaml());
  agent = await startAgent(
    {
      dataDir,
      nodeName: NODE,
      nodeIP: '127.0.0.1',
      serverClientConfig: await cp.clientConfig(`system:node:${NODE}`, ['system:nodes']),
      podCIDR,
      clusterCIDR: net.clusterCIDR,
      serviceCIDR: net.serviceCIDR,
      cniBridge: net.bridge,
      removePodsOnStop: true,
      logger: pino({ level: process.env.K8TS_TEST_LOG ?? 'silent' }),
    },
    ac.signal,
  );
});

after(async () => {
  if (skip) return;
  ac.abort();
  await agent?.done;
  client?.close();
  await cp?.stop();
  await registry?.stop();
  await net.cleanup();
  if (dataDir) {
    await unmountBelow(dataDir);
    await rm(dataDir, { recursive: true, force: true });
  }
});

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const pod = (name: string, spec: Record<string, unknown>): KubeObject =>
  ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { nodeName: NODE, ...spec } }) as KubeObject;

test('the agent registers a Ready node with the pod range', { skip }, async () => {
  const id = await agent.registered;
  assert.equal(id.podCIDR, podCIDR);
  const node = await waitFor('Ready node', async () => {
    const n = await client.get(R.nodes, '', NODE);
    const conds = ((n.status as { conditions?: { type: string; status: string }[] })?.conditions ?? []);
    return conds.some((c) => c.type === 'Ready' && c.status === 'True') ? n : undefined;
  });
  assert.equal((node.spec as { podCIDR?: string }).podCIDR, podCIDR);
});

test('a pod that echoes runs to Succeeded; a web pod serves on its pod IP', { skip }, async () => {
  await client.create(R.pods, 'default', pod('echo', { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox', command: ['sh', '-c', 'echo hello'] }] }));
  await client.create(R.pods, 'default', pod('web', { containers: [{ name: 'web', image: 'nginx' }] }));
  const echo = await waitFor('echo Succeeded', async () => {
    const p = await client.get(R.pods, 'default', 'echo');
    return (p.status as { phase?: string })?.phase === 'Succeeded' ? p : undefined;
  });
  const cs = (echo.status as { containerStatuses: { state: { terminated?: { reason: string; exitCode: number } } }[] }).containerStatuses[0]!;
  assert.equal(cs.state.terminated?.reason, 'Completed');
  const web = await waitFor('web Running', async () => {
    const p = await client.get(R.pods, 'default', 'web');
    const st = p.status as { phase?: string; podIP?: string };
    return st?.phase === 'Running' && st.podIP ? st : undefined;
  });
  const body = await waitFor('web answers', async () => {
    const r = await fetch(`http://${web.podIP}/`);
    return r.ok ? r.text() : undefined;
  }, 10_000);
  assert.match(body, /Welcome to k8ts httpd/);
  for (const name of ['echo', 'web']) await client.delete(R.pods, 'default', name, { gracePeriodSeconds: 0 } as never).catch(() => undefined);
});
