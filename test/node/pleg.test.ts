// The PLEG against a real containerd 1.6: its task events name CRI container ids, and a
// container that exits wakes its pod's worker well within a second although the relist runs
// only every minute here; an exec'd process exiting does not.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pino from 'pino';
import { ContainerdEvents } from '../../src/kubelet/pleg/containerd-events.js';
import { PLEG } from '../../src/kubelet/pleg/pleg.js';
import type { PodSandboxConfig } from '../../src/kubelet/cri/types.js';
import { nodeRuntimeUnavailable, startTestNodeRuntime, type TestNodeRuntime } from '../support/node-runtime.js';

const skip = nodeRuntimeUnavailable();
let rt: TestNodeRuntime;
let events: ContainerdEvents;

before(async () => {
  if (skip) return;
  rt = await startTestNodeRuntime();
  events = new ContainerdEvents(rt.supervisor.socketPath);
  await rt.cri.image.pullImage({ image: { image: 'busybox' } });
});

after(async () => {
  if (skip) return;
  events?.close();
  await rt?.stop();
});

test('a container exit reaches the pod worker through containerd events, not the relist', { skip }, async () => {
  const uid = `pleg-${process.pid}`;
  const woken: { uid: string; at: number }[] = [];
  const pleg = new PLEG(
    { runtime: rt.cri.runtime, containerdEvents: events, onChange: (u) => woken.push({ uid: u, at: Date.now() }), logger: pino({ level: 'silent' }) },
    { eventedRelistMs: 60_000 },
  );
  const ac = new AbortController();
  const running = pleg.run(ac.signal);
  try {
    const sbConfig = {
      metadata: { name: 'pleg', uid, namespace: 'default', attempt: 0 },
      labels: { 'io.kubernetes.pod.uid': uid },
      log_directory: `${rt.dataDir}/logs/pleg`,
      dns_config: {},
      linux: {},
    } as unknown as PodSandboxConfig;
    const sandbox = (await rt.cri.runtime.runPodSandbox({ config: sbConfig })).pod_sandbox_id;
    const container = (
      await rt.cri.runtime.createContainer({
        pod_sandbox_id: sandbox,
        config: { metadata: { name: 'c', attempt: 0 }, image: { image: 'busybox' }, command: ['sh', '-c', 'sleep 1; exit 3'], labels: { 'io.kubernetes.pod.uid': uid }, log_path: 'c.log' },
        sandbox_config: sbConfig,
      } as never)
    ).container_id;
    await rt.cri.runtime.startContainer({ container_id: container });
    // containerd 1.6 has no CRI events, so its own task events are used; 1.7+ would give 'cri'.
    assert.ok(['containerd', 'cri'].includes(pleg.eventSource()), `event source: ${pleg.eventSource()}`);
    // The PLEG learns the container through a relist (at subscription); wait until it has.
    const deadline = Date.now() + 5_000;
    while (![...pleg.knownPods()].includes(uid) && Date.now() < deadline) {
      await pleg.relist();
    }
    // An exec'd process exiting is not the container exiting.
    await rt.cri.runtime.execSync({ container_id: container, cmd: ['true'], timeout: 5 });
    await new Promise((r) => setTimeout(r, 200));
    woken.length = 0;
    const exited = await waitExited(container);
    const wake = await waitFor(() => woken.find((w) => w.uid === uid), 3_000);
    assert.ok(wake.at - exited < 1_000, `woken ${wake.at - exited} ms after the exit`);
    const st = await rt.cri.runtime.containerStatus({ container_id: container });
    assert.equal(st.status?.state, 'CONTAINER_EXITED');
    assert.equal(st.status?.exit_code, 3);
    await rt.cri.runtime.stopPodSandbox({ pod_sandbox_id: sandbox });
    await rt.cri.runtime.removePodSandbox({ pod_sandbox_id: sandbox });
  } finally {
    ac.abort();
    await running;
  }
});

/** When the container finished, as the runtime records it (ms since the epoch). */
async function waitExited(id: string): Promise<number> {
  return waitFor(async () => {
    const s = (await rt.cri.runtime.containerStatus({ container_id: id })).status;
    return s?.state === 'CONTAINER_EXITED' ? Math.floor(s.finished_at / 1e6) : undefined;
  }, 10_000);
}

async function waitFor<T>(fn: () => T | undefined | Promise<T | undefined>, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}
