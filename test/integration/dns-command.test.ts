// `k8ts dns` (what the coredns static pod runs) as a process of its own against a real control
// plane, with the cluster DNS identity's kubeconfig: it answers cluster names on the address it is
// given, publishes the node's kube-dns EndpointSlice, and on SIGTERM withdraws it and exits 0.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTestControlPlane, type TestControlPlane } from '../support/control-plane.js';
import { freePort } from '../support/cluster.js';
import { answerData, udpQuery } from '../support/dns-client.js';
import { HttpKubeClient } from '../../src/client/http-client.js';
import { R } from '../../src/client/resources.js';
import { CLUSTER_DNS_USER } from '../../src/dns/cluster-objects.js';
import { renderKubeconfig } from '../../src/pki/kubeconfig.js';
import { dnsCommand } from '../../src/cli/dns-command.js';

const NODE = 'dns-cmd-node';
const SLICE = `kube-dns-${NODE}`;
let cp: TestControlPlane;
let admin: HttpKubeClient;
let dir: string;
let child: ChildProcess;
let port: number;
let stderr = '';

async function eventually<T>(what: string, fn: () => Promise<T | undefined>, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; stderr:\n${stderr.slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

before(async () => {
  cp = await startTestControlPlane({ controllers: false });
  admin = new HttpKubeClient(await cp.clientConfig('admin', ['system:masters']));
  dir = mkdtempSync(join(tmpdir(), 'k8ts-dns-cmd-'));
  const id = await cp.clientConfig(CLUSTER_DNS_USER, []);
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(kubeconfig, renderKubeconfig({ server: id.server, caPem: id.caPem, clientCertPem: id.certPem, clientKeyPem: id.keyPem, user: CLUSTER_DNS_USER }), { mode: 0o600 });
  // The CLI entry as bin/k8ts.js calls it, from the sources.
  const entry = join(dir, 'k8ts.mts');
  const main = join(fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url)));
  writeFileSync(entry, `import { main } from ${JSON.stringify(main)};\nawait main(process.argv.slice(2));\n`);
  port = await freePort();
  child = spawn(process.execPath, ['--import', 'tsx', entry, 'dns', '--kubeconfig', kubeconfig, '--node-name', NODE, '--listen', '127.0.0.1', '--port', String(port), '--cluster-dns', '10.43.0.10'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
});

after(async () => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  admin?.close();
  await cp?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('k8ts dns rejects missing or bad flags', async () => {
  await assert.rejects(dnsCommand(['--node-name', 'n', '--listen', '10.0.0.1']), /--kubeconfig, --node-name and --listen are required/);
  await assert.rejects(dnsCommand(['--kubeconfig', '/nonexistent', '--node-name', 'n', '--listen', 'not-an-ip']), /invalid --listen/);
  await assert.rejects(dnsCommand(['--kubeconfig', '/nonexistent', '--node-name', 'n', '--listen', '10.0.0.1', '--port', '70000']), /invalid --port/);
});

test('k8ts dns publishes the node\'s kube-dns endpoint and answers cluster names', async () => {
  const slice = await eventually('the EndpointSlice', () => admin.get(R.endpointslices, 'kube-system', SLICE) as Promise<any>);
  assert.deepEqual(slice.endpoints.map((e: any) => [e.addresses, e.nodeName]), [[['127.0.0.1'], NODE]]);
  const reply = await eventually('an answer', async () => {
    const r = await udpQuery('127.0.0.1', port, 'kube-dns.kube-system.svc.cluster.local', 'A', { timeoutMs: 1000 });
    return answerData(r, 'A').length ? r : undefined;
  });
  assert.deepEqual(answerData(reply, 'A'), ['10.43.0.10']);
});

test('on SIGTERM k8ts dns withdraws the endpoint and exits 0', async () => {
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  assert.equal(await exited, 0, stderr.slice(-2000));
  await assert.rejects(admin.get(R.endpointslices, 'kube-system', SLICE), (err: any) => err.code === 404 || /not found/.test(String(err.message)));
});
