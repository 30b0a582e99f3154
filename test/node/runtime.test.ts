// The runtime foundation end to end with real containerd: supervisor start, image import and
// pull through the docker.io mirror, a pod sandbox on the CNI bridge, containers that echo and
// serve, exec, and complete clean-up.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PAUSE_IMAGE, BUSYBOX_IMAGE } from '../../src/kubelet/images/oci-image.js';
import type { ContainerStatus, PodSandboxConfig } from '../../src/kubelet/cri/cri-client.js';
import { isCriNotFound } from '../../src/kubelet/cri/cri-client.js';
import { nodeRuntimeUnavailable, startTestNodeRuntime, type TestNodeRuntime } from '../support/node-runtime.js';

const skip = nodeRuntimeUnavailable();
let rt: TestNodeRuntime;

before(async () => {
  if (!skip) rt = await startTestNodeRuntime();
});
after(async () => {
  await rt?.stop();
});

function inCidr(ip: string, cidr: string): boolean {
  const [base, bits] = cidr.split('/') as [string, string];
  const n = (a: string) => a.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
  const mask = 2 ** 32 - 2 ** (32 - Number(bits));
  return (n(ip) & mask) >>> 0 === (n(base) & mask) >>> 0;
}

async function waitForExit(id: string, timeoutMs = 20_000): Promise<ContainerStatus> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { status } = await rt.cri.runtime.containerStatus({ container_id: id });
    if (status?.state === 'CONTAINER_EXITED') return status;
    if (Date.now() > deadline) throw new Error(`container ${id} still ${status?.state}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('containerd answers CRI and has the built-in images', { skip }, async () => {
  const v = await rt.cri.runtime.version({});
  assert.equal(v.runtime_name, 'containerd');
  assert.equal(v.runtime_api_version, 'v1');
  const pause = await rt.cri.image.imageStatus({ image: { image: PAUSE_IMAGE } });
  assert.ok(pause.image, 'pause image imported');
  assert.ok(pause.image.repo_tags.includes(PAUSE_IMAGE));
  const busybox = await rt.cri.image.imageStatus({ image: { image: BUSYBOX_IMAGE } });
  assert.ok(busybox.image, 'busybox image imported');
  const missing = await rt.cri.image.imageStatus({ image: { image: 'docker.io/library/absent:1' } });
  assert.equal(missing.image, null);
  const status = await rt.cri.runtime.status({});
  const ready = status.status?.conditions.find((c) => c.type === 'NetworkReady');
  assert.equal(ready?.status, true, JSON.stringify(status.status));
});

test('pulls through the docker.io mirror; a missing image is NotFound-ish', { skip }, async () => {
  const { image_ref } = await rt.cri.image.pullImage({ image: { image: 'docker.io/library/nginx:latest' } });
  assert.match(image_ref, /^sha256:/);
  const { images } = await rt.cri.image.listImages({});
  assert.ok(images.some((i) => i.repo_tags.includes('docker.io/library/nginx:latest')));
  await assert.rejects(rt.cri.image.pullImage({ image: { image: 'docker.io/library/does-not-exist:1' } }, 20_000));
});

test('a pod sandbox gets an IP; containers echo, serve, and exec', { skip }, async () => {
  const uid = `uid-${Date.now()}`;
  const logDir = join(rt.dataDir, 'pods', `default_echo_${uid}`);
  const sandboxConfig: PodSandboxConfig = {
    metadata: { name: 'echo', uid, namespace: 'default', attempt: 0 },
    hostname: 'echo',
    log_directory: logDir,
    dns_config: { servers: ['10.43.0.10'], searches: ['default.svc.cluster.local', 'svc.cluster.local', 'cluster.local'], options: ['ndots:5'] },
    labels: { 'io.kubernetes.pod.name': 'echo', 'io.kubernetes.pod.namespace': 'default', 'io.kubernetes.pod.uid': uid },
    linux: { security_context: { namespace_options: { network: 'POD', pid: 'CONTAINER', ipc: 'POD' } } },
  };
  const t0 = Date.now();
  const { pod_sandbox_id } = await rt.cri.runtime.runPodSandbox({ config: sandboxConfig });
  const sandboxMs = Date.now() - t0;
  const { status } = await rt.cri.runtime.podSandboxStatus({ pod_sandbox_id });
  assert.equal(status?.state, 'SANDBOX_READY');
  const ip = status?.network?.ip ?? '';
  assert.ok(inCidr(ip, rt.podCIDR), `pod IP ${ip} in ${rt.podCIDR}`);

  // A container that echoes and exits.
  const { container_id: echoId } = await rt.cri.runtime.createContainer({
    pod_sandbox_id,
    config: {
      metadata: { name: 'echo', attempt: 0 },
      image: { image: BUSYBOX_IMAGE },
      command: ['sh', '-c'],
      args: ['echo hello-from-k8ts; echo "to stderr" >&2; cat /etc/resolv.conf'],
      envs: [{ key: 'GREETING', value: 'hi' }],
      log_path: 'echo/0.log',
      linux: { resources: { memory_limit_in_bytes: 64 * 1024 * 1024, cpu_period: 100_000, cpu_quota: 50_000, cpu_shares: 512 } },
    },
    sandbox_config: sandboxConfig,
  });
  const t1 = Date.now();
  await rt.cri.runtime.startContainer({ container_id: echoId });
  const startMs = Date.now() - t1;
  const exited = await waitForExit(echoId);
  assert.equal(exited.exit_code, 0);
  assert.equal(exited.reason, 'Completed');
  // containerd may stamp a very short-lived container's exit a little before its start
  assert.ok(exited.started_at > 0 && exited.finished_at > 0);
  const log = await readFile(join(logDir, 'echo', '0.log'), 'utf8');
  // CRI log format: RFC3339Nano timestamp, stream, P/F tag, text
  assert.match(log, /^\S+ stdout F hello-from-k8ts$/m);
  assert.match(log, /^\S+ stderr F to stderr$/m);
  assert.match(log, /nameserver 10\.43\.0\.10/);
  assert.match(log, /ndots:5/);

  // A long-running web container from the pulled image, reached on the pod IP.
  const { container_id: webId } = await rt.cri.runtime.createContainer({
    pod_sandbox_id,
    config: { metadata: { name: 'web' }, image: { image: 'docker.io/library/nginx:latest' }, log_path: 'web/0.log' },
    sandbox_config: sandboxConfig,
  });
  await rt.cri.runtime.startContainer({ container_id: webId });
  let body = '';
  for (let i = 0; i < 50 && !body; i++) {
    body = await fetch(`http://${ip}/`).then(
      (r) => r.text(),
      () => '',
    );
    if (!body) await new Promise((r) => setTimeout(r, 100));
  }
  assert.match(body, /Welcome to k8ts httpd/);

  const exec = await rt.cri.runtime.execSync({ container_id: webId, cmd: ['sh', '-c', 'echo $HOSTNAME; exit 3'], timeout: 10 });
  assert.equal(exec.exit_code, 3);
  assert.equal(exec.stdout.toString().trim(), 'echo');

  const { containers } = await rt.cri.runtime.listContainers({ filter: { pod_sandbox_id } });
  assert.equal(containers.length, 2);
  const { url } = await rt.cri.runtime.exec({ container_id: webId, cmd: ['sh'], stdin: true, stdout: true });
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/exec\//);

  await rt.cri.runtime.stopContainer({ container_id: webId, timeout: 2 }, 10_000);
  const webExit = await waitForExit(webId);
  assert.notEqual(webExit.exit_code, 0);
  await rt.cri.runtime.removeContainer({ container_id: webId });
  await rt.cri.runtime.removeContainer({ container_id: echoId });
  await assert.rejects(rt.cri.runtime.containerStatus({ container_id: echoId }), (e) => isCriNotFound(e));

  await rt.cri.runtime.stopPodSandbox({ pod_sandbox_id });
  await rt.cri.runtime.removePodSandbox({ pod_sandbox_id });
  const { items } = await rt.cri.runtime.listPodSandbox({});
  assert.equal(items.length, 0);
  process.stderr.write(`# sandbox ${sandboxMs} ms, container start ${startMs} ms\n`);
});

test('air-gap tarballs in <data-dir>/images are imported', { skip }, async () => {
  const { mkdir, writeFile } = await import('node:fs/promises');
  const { busyboxImage } = await import('../../src/kubelet/images/oci-image.js');
  await mkdir(join(rt.dataDir, 'images'), { recursive: true });
  await writeFile(join(rt.dataDir, 'images', 'airgap.tar'), busyboxImage('docker.io/example/airgap:v1').archive);
  const imported = await rt.supervisor.importImages();
  assert.ok(imported.includes(join(rt.dataDir, 'images', 'airgap.tar')));
  const { image } = await rt.cri.image.imageStatus({ image: { image: 'docker.io/example/airgap:v1' } });
  assert.ok(image?.repo_tags.includes('docker.io/example/airgap:v1'));
});

test('the supervisor restarts containerd when it dies', { skip }, async () => {
  const first = rt.supervisor.pid!;
  process.kill(first, 'SIGKILL');
  const deadline = Date.now() + 20_000;
  for (;;) {
    const pid = rt.supervisor.pid;
    if (pid && pid !== first) {
      const v = await rt.cri.runtime.version({}, 2_000).catch(() => undefined);
      if (v) break;
    }
    if (Date.now() > deadline) throw new Error('containerd was not restarted');
    await new Promise((r) => setTimeout(r, 200));
  }
});

test('node networking: ip_forward on, pod range unreachable, service range onto the pod bridge, idempotent', { skip }, async () => {
  const { execFileSync } = await import('node:child_process');
  const { setupNodeNetworking, removeClusterRoutes, deletePodBridge } = await import('../../src/kubelet/network/cni-config.js');
  // Ranges and a bridge name of this test's own, so agents running on this machine are not disturbed.
  const net = { clusterCIDR: '10.99.0.0/16', serviceCIDR: '10.98.0.0/16', bridge: `k8tsr${process.pid % 100000}` };
  const routes = () => execFileSync('ip', ['route', 'show'], { encoding: 'utf8' });
  try {
    await setupNodeNetworking(net);
    await setupNodeNetworking(net);
    assert.match(routes(), /^unreachable 10\.99\.0\.0\/16/m);
    assert.match(routes(), new RegExp(`^10\\.98\\.0\\.0/16 dev ${net.bridge}`, 'm'));
    assert.equal((await readFile('/proc/sys/net/ipv4/ip_forward', 'utf8')).trim(), '1');
  } finally {
    await removeClusterRoutes(net);
    await deletePodBridge(net.bridge);
  }
  assert.doesNotMatch(routes(), /10\.9[89]\.0\.0\/16/);
});

test('GetContainerEvents streams or says UNIMPLEMENTED (containerd 1.6)', { skip }, async () => {
  const { isCriUnimplemented } = await import('../../src/kubelet/cri/cri-client.js');
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), 1_000);
  try {
    for await (const _ of rt.cri.runtime.getContainerEvents(ac.signal)) break;
  } catch (err) {
    assert.ok(isCriUnimplemented(err), String(err));
  } finally {
    clearTimeout(timer);
  }
});

test('private registries: credentials from registries.yaml, or per pull (imagePullSecrets)', { skip }, async () => {
  const { startImageRegistry } = await import('../support/image-registry.js');
  const { writeFile } = await import('node:fs/promises');
  const { busyboxImage } = await import('../../src/kubelet/images/oci-image.js');
  const priv = await startImageRegistry({ seed: false, auth: { username: 'k8ts', password: 's3cret' } });
  try {
    await priv.push(busyboxImage(), 'team/tool:v1');
    await priv.push(busyboxImage(), 'team/tool:v2');
    const v1 = `${priv.host}/team/tool:v1`;
    // no credentials anywhere: refused
    await assert.rejects(rt.cri.image.pullImage({ image: { image: v1 } }, 20_000), /401|nauthorized|authorization/i);
    // credentials with the pull, as the kubelet sends them from imagePullSecrets; containerd 1.6
    // wants server_address as a URL whose host is the registry's (a bare host:port fails to parse)
    await rt.cri.image.pullImage({ image: { image: v1 }, auth: { username: 'k8ts', password: 's3cret', server_address: `https://${priv.host}` } }, 20_000);
    // credentials from registries.yaml: restart containerd with the new config
    await writeFile(
      join(rt.dataDir, 'registries.yaml'),
      rt.registry.registriesYaml() +
        [`  "${priv.host}":`, `    endpoint: ["http://${priv.host}"]`, 'configs:', `  "${priv.host}":`, '    auth:', '      username: k8ts', '      password: s3cret', ''].join('\n'),
    );
    await rt.supervisor.stop();
    await rt.supervisor.start(new AbortController().signal);
    const { image_ref } = await rt.cri.image.pullImage({ image: { image: `${priv.host}/team/tool:v2` } }, 20_000);
    assert.match(image_ref, /^sha256:/);
  } finally {
    await priv.stop();
  }
});
