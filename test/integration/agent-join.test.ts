// Joining with a token against a real control plane: the CA check, the node's own certificate,
// reuse after a restart, the serving and component certificates the approver's agent policy
// allows (and those it does not), node IPAM, and client certificate rotation.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { startControlPlane, type RunningControlPlane } from '../../src/controlplane/control-plane.js';
import { HttpKubeClient, kubeconfigToConfig } from '../../src/client/http-client.js';
import { R } from '../../src/client/resources.js';
import type { KubeClient } from '../../src/client/types.js';
import { tokenCommand } from '../../src/cli/token-command.js';
import { joinCluster, type JoinedNode } from '../../src/agent/join/node-join.js';
import { requestClientCertificate } from '../../src/controllers/certificates/request-certificate.js';
import { CSR_GVR } from '../../src/controllers/certificates/csr.js';
import { certificateNames } from '../../src/kubelet/certificate/rotation.js';
import { eventually } from './cluster-controllers-harness.js';

const SELF_REVIEW = { group: 'authentication.k8s.io', version: 'v1', resource: 'selfsubjectreviews' };
const logger = pino({ level: process.env.K8TS_TEST_LOG ?? 'silent' });
let cp: RunningControlPlane;
let admin: HttpKubeClient;
let dir: string;
const ac = new AbortController();

async function whoami(c: KubeClient): Promise<string> {
  const r: any = await c.create(SELF_REVIEW, '', { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview', metadata: {} } as any);
  return r.status.userInfo.username;
}

async function createToken(...flags: string[]): Promise<string> {
  const out: string[] = [];
  await tokenCommand(['create', '--kubeconfig', cp.kubeconfigPath, ...flags], (s) => void out.push(s));
  return out.join('').trim();
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'k8ts-join-'));
  cp = await startControlPlane(
    {
      dataDir: join(dir, 'server'),
      httpsPort: 0,
      bindAddress: '127.0.0.1',
      tlsSans: [],
      serviceCidr: '10.43.0.0/16',
      clusterCidr: '10.77.0.0/16',
      // Node client certificates live 20 s here, so a rotation happens within the test.
      signingTtlSecondsBySigner: { 'kubernetes.io/kube-apiserver-client-kubelet': 20 },
      logger,
    },
    ac.signal,
  );
  admin = HttpKubeClient.fromKubeconfig(cp.kubeconfigPath);
});

after(async () => {
  admin.close();
  ac.abort();
  await cp.done;
  rmSync(dir, { recursive: true, force: true });
});

let joined: JoinedNode;
const nodeDir = () => join(dir, 'n1');

test('an agent joins with a K10 token: CA checked, node certificate issued and stored with a kubeconfig', async () => {
  const token = await createToken('--with-ca-hash');
  assert.match(token, /^K10[0-9a-f]{64}::[a-z0-9]{6}\.[a-z0-9]{16}$/);
  joined = await joinCluster({ server: cp.url, token, nodeName: 'n1', dataDir: nodeDir(), logger }, ac.signal);
  const c = joined.makeClient('test');
  assert.equal(await whoami(c), 'system:node:n1');
  const kubeconfig = readFileSync(joined.kubeconfigPath, 'utf8');
  assert.match(kubeconfig, /client-certificate-data/);
  assert.doesNotMatch(kubeconfig, /token/, 'the join token is not kept');
});

test('a token pinning another CA is refused before anything is requested', async () => {
  const token = await createToken('--with-ca-hash');
  const forged = 'K10' + 'a'.repeat(64) + token.slice(token.indexOf('::'));
  const csrsBefore = (await admin.list(CSR_GVR, '')).items.length;
  await assert.rejects(joinCluster({ server: cp.url, token: forged, nodeName: 'n9', dataDir: join(dir, 'n9'), logger }, ac.signal), /does not match the join token/);
  assert.equal((await admin.list(CSR_GVR, '')).items.length, csrsBefore, 'no certificate was requested');
});

test('a restarted agent reuses its stored certificate without a token', async () => {
  const again = await joinCluster({ server: cp.url, nodeName: 'n1', dataDir: nodeDir(), logger }, ac.signal);
  assert.equal(again.clientConfig().certPem, joined.clientConfig().certPem);
  const c = again.makeClient('test');
  assert.equal(await whoami(c), 'system:node:n1');
  (c as any).close();
});

test('node IPAM gives the registered Node a /24 of the cluster CIDR; the serving certificate names its addresses', async () => {
  const c = joined.makeClient('test');
  await c.create(R.nodes, '', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' }, spec: {} });
  const node: any = await eventually(async () => {
    const n: any = await c.get(R.nodes, '', 'n1');
    return n.spec?.podCIDR ? n : undefined;
  }, 15_000, 'podCIDR assigned');
  assert.match(node.spec.podCIDR, /^10\.77\.\d+\.0\/24$/);
  assert.deepEqual(node.spec.podCIDRs, [node.spec.podCIDR]);
  await c.update(R.nodes, '', { ...node, status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }, { type: 'Hostname', address: 'n1' }] } }, { subresource: 'status' });
  const tls = await joined.kubeletServingTls(['127.0.0.1']);
  const names = certificateNames(tls.certPem);
  assert.equal(names.commonName, 'system:node:n1');
  assert.deepEqual(names.sans.sort(), ['127.0.0.1', 'n1']);
  // An address the Node does not have is never approved.
  await assert.rejects(
    requestClientCertificate(c, { commonName: 'system:node:n1', organizations: ['system:nodes'], sans: [{ type: 'ip', value: '10.1.2.3' }], signerName: 'kubernetes.io/kubelet-serving', usages: ['digital signature', 'server auth'], timeoutMs: 3_000, pollMs: 200 }),
    /timed out/,
  );
});

test('agent components get their own identities; other users are not approved for a node', async () => {
  const proxy = new HttpKubeClient(await joined.clientConfigFor('system:kube-proxy', []));
  try {
    assert.equal(await whoami(proxy), 'system:kube-proxy');
  } finally {
    proxy.close();
  }
  await assert.rejects(joined.clientConfigFor('system:kube-proxy', ['system:masters']), /no groups/);
  const c = joined.makeClient('test');
  await assert.rejects(requestClientCertificate(c, { commonName: 'admin', timeoutMs: 3_000, pollMs: 200 }), /timed out/);
});

test('the node client certificate is rotated before it expires and the clients follow', async () => {
  const c = joined.makeClient('test');
  const before = joined.clientConfig().certPem;
  const run = joined.run(ac.signal);
  await eventually(() => joined.certificates.rotationCount() >= 1, 30_000, 'a rotation');
  assert.notEqual(joined.clientConfig().certPem, before);
  assert.equal(await whoami(c), 'system:node:n1');
  assert.equal(kubeconfigToConfig(readFileSync(joined.kubeconfigPath, 'utf8')).certPem, joined.clientConfig().certPem, 'the kubeconfig holds the new certificate');
  void run;
});
