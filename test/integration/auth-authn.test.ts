// Authentication against a real control plane: the CSR flow (kubectl certificate approve, the
// signing and approving controllers), `k8ts kubeconfig`, `k8ts token`, and — once the API server
// is wired with them — ServiceAccount tokens (kubectl create token, TokenReview) and bootstrap
// tokens as bearer credentials.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { webcrypto } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureCA } from '../../src/pki/ca.js';
import { HttpKubeClient } from '../../src/client/http-client.js';
import { R } from '../../src/client/resources.js';
import { CsrSigningController } from '../../src/controllers/certificates/csr-signing-controller.js';
import { CsrApprovingController } from '../../src/controllers/certificates/csr-approving-controller.js';
import { CSR_GVR } from '../../src/controllers/certificates/csr.js';
import { needsRotation, nodeClientRequest, requestClientCertificate } from '../../src/controllers/certificates/request-certificate.js';
import { ServiceAccountTokens } from '../../src/auth/authn/service-account-tokens.js';
import { LegacyTokenController } from '../../src/auth/authn/legacy-token-controller.js';
import { kubeconfigCommand } from '../../src/cli/kubeconfig-command.js';
import { tokenCommand } from '../../src/cli/token-command.js';
import { runKubectl, type KubectlTarget } from '../support/kubectl.js';
import { eventually, startHarness, type Harness } from './cluster-controllers-harness.js';

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
const SELF_REVIEW = { group: 'authentication.k8s.io', version: 'v1', resource: 'selfsubjectreviews' };
const TOKEN_REVIEW = { group: 'authentication.k8s.io', version: 'v1', resource: 'tokenreviews' };
const NEEDS_WIRING = {};

let h: Harness;
let home: string;
let kubectl: KubectlTarget;

before(async () => {
  h = await startHarness();
  const ca = await ensureCA(join(h.cp.dataDir, 'tls'), 'cluster-ca');
  await h.start((deps) => [new CsrSigningController(deps, { ca }), new CsrApprovingController(deps)]);
  home = mkdtempSync(join(tmpdir(), 'k8ts-authn-home-'));
  kubectl = { kubeconfig: h.cp.kubeconfigPath, home };
});
after(async () => {
  await h?.stop();
  if (home) rmSync(home, { recursive: true, force: true });
});

async function whoami(c: HttpKubeClient): Promise<{ username: string; groups: string[]; extra?: Record<string, string[]> }> {
  const r: any = await c.create(SELF_REVIEW, '', { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview', metadata: {} } as any);
  return r.status.userInfo;
}

async function newCsr(name: string, subject: string, signerName: string, usages: string[]) {
  const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
  const req = await x509.Pkcs10CertificateRequestGenerator.create({ name: subject, keys, signingAlgorithm: ALG });
  const keyPem = `-----BEGIN PRIVATE KEY-----\n${Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)).toString('base64')}\n-----END PRIVATE KEY-----\n`;
  await h.client.create(CSR_GVR, '', {
    apiVersion: 'certificates.k8s.io/v1',
    kind: 'CertificateSigningRequest',
    metadata: { name },
    spec: { request: Buffer.from(req.toString('pem')).toString('base64'), signerName, usages, expirationSeconds: 3600 },
  } as any);
  return keyPem;
}

test('kubectl certificate approve: the signer issues a certificate the user can log in with', async () => {
  const keyPem = await newCsr('jane', 'CN=jane, O=dev', 'kubernetes.io/kube-apiserver-client', ['digital signature', 'key encipherment', 'client auth']);
  const approve = await runKubectl(kubectl, ['certificate', 'approve', 'jane']);
  assert.match(approve.stdout, /certificatesigningrequest.certificates.k8s.io\/jane approved/);
  const csr: any = await eventually(async () => {
    const c: any = await h.client.get(CSR_GVR, '', 'jane');
    return c.status?.certificate ? c : undefined;
  }, 10_000, 'certificate issued');
  assert.ok(csr.status.conditions.some((c: any) => c.type === 'Approved' && c.status === 'True'));
  const certPem = Buffer.from(csr.status.certificate, 'base64').toString();
  const got = await runKubectl(kubectl, ['get', 'csr', 'jane']);
  assert.match(got.stdout, /jane\s+\S+\s+kubernetes.io\/kube-apiserver-client\s+.*60m\s+Approved,Issued/);
  const c = new HttpKubeClient({ server: h.cp.url, caPem: (await ensureCA(join(h.cp.dataDir, 'tls'), 'cluster-ca')).certPem, certPem, keyPem });
  try {
    const u = await whoami(c);
    assert.equal(u.username, 'jane');
    assert.deepEqual(u.groups, ['dev', 'system:authenticated']);
  } finally {
    c.close();
  }
});

test('a CSR asking for a server certificate from the client signer fails validation', async () => {
  await newCsr('bad-usage', 'CN=web', 'kubernetes.io/kube-apiserver-client', ['server auth']);
  await runKubectl(kubectl, ['certificate', 'approve', 'bad-usage']);
  const csr: any = await eventually(async () => {
    const c: any = await h.client.get(CSR_GVR, '', 'bad-usage');
    return c.status?.conditions?.some((x: any) => x.type === 'Failed') ? c : undefined;
  }, 10_000, 'Failed condition');
  const failed = csr.status.conditions.find((x: any) => x.type === 'Failed');
  assert.equal(failed.reason, 'SignerValidationFailure');
  assert.equal(csr.status.certificate, undefined);
});

test('a kubelet client CSR is auto-approved after a SubjectAccessReview and signed', async () => {
  await newCsr('node-n1', 'CN=system:node:n1, O=system:nodes', 'kubernetes.io/kube-apiserver-client-kubelet', ['digital signature', 'client auth']);
  const csr: any = await eventually(async () => {
    const c: any = await h.client.get(CSR_GVR, '', 'node-n1');
    return c.status?.certificate ? c : undefined;
  }, 10_000, 'kubelet certificate issued');
  const approved = csr.status.conditions.find((x: any) => x.type === 'Approved');
  assert.equal(approved.reason, 'AutoApproved');
  const cert = new x509.X509Certificate(Buffer.from(csr.status.certificate, 'base64').toString());
  assert.deepEqual(cert.subjectName.getField('O'), ['system:nodes']);
});

test('k8ts kubeconfig writes a working kubeconfig for a new user', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'k8ts-kc-'));
  try {
    const out = join(dir, 'sky.yaml');
    const lines: string[] = [];
    await kubeconfigCommand(['--user', 'sky', '--group', 'pilots', '--group', 'crew', '--out', out, '--data-dir', h.cp.dataDir], (s) => void lines.push(s));
    assert.match(lines.join(''), /kubeconfig for user "sky" \(groups pilots, crew\) written to/);
    const c = HttpKubeClient.fromKubeconfig(out);
    try {
      const u = await whoami(c);
      assert.equal(u.username, 'sky');
      assert.deepEqual(u.groups, ['pilots', 'crew', 'system:authenticated']);
    } finally {
      c.close();
    }
    const who = await runKubectl(kubectl, ['auth', 'whoami'], { kubeconfig: out });
    assert.match(who.stdout, /Username\s+sky/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

let bootstrapToken = '';

test('k8ts token create stores a bootstrap token Secret and prints the token', async () => {
  const lines: string[] = [];
  await tokenCommand(['create', '--ttl', '1h', '--kubeconfig', h.cp.kubeconfigPath, '--description', 'test'], (s) => void lines.push(s));
  bootstrapToken = lines.join('').trim();
  assert.match(bootstrapToken, /^[a-z0-9]{6}\.[a-z0-9]{16}$/);
  const id = bootstrapToken.split('.')[0]!;
  const secret: any = await h.client.get(R.secrets, 'kube-system', `bootstrap-token-${id}`);
  assert.equal(secret.type, 'bootstrap.kubernetes.io/token');
  assert.equal(Buffer.from(secret.data['token-id'], 'base64').toString(), id);
  const listed: string[] = [];
  await tokenCommand(['list', '--kubeconfig', h.cp.kubeconfigPath], (s) => void listed.push(s));
  assert.match(listed.join(''), new RegExp(`^${id}\\s+\\S+Z\\s+system:bootstrappers:k8ts:default-node-token\\s+test$`, 'm'));
});

test('a bootstrap token authenticates as system:bootstrap:<id>', NEEDS_WIRING, async () => {
  assert.ok(bootstrapToken, 'token from the previous test');
  const c = new HttpKubeClient({ server: h.cp.url, caPem: (await ensureCA(join(h.cp.dataDir, 'tls'), 'cluster-ca')).certPem, token: bootstrapToken });
  try {
    const u = await whoami(c);
    assert.equal(u.username, `system:bootstrap:${bootstrapToken.split('.')[0]}`);
    assert.deepEqual(u.groups, ['system:bootstrappers', 'system:bootstrappers:k8ts:default-node-token', 'system:authenticated']);
  } finally {
    c.close();
  }
  const bad = new HttpKubeClient({ server: h.cp.url, caPem: (await ensureCA(join(h.cp.dataDir, 'tls'), 'cluster-ca')).certPem, token: bootstrapToken.slice(0, 7) + 'x'.repeat(16) });
  try {
    await assert.rejects(whoami(bad), { code: 401 });
  } finally {
    bad.close();
  }
});

test('kubectl create token prints a ServiceAccount token that authenticates and reviews', NEEDS_WIRING, async () => {
  await h.client.create(R.serviceaccounts, 'default', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'build' } });
  const out = await runKubectl(kubectl, ['create', 'token', 'build', '-n', 'default', '--duration', '20m']);
  const token = out.stdout.trim();
  assert.match(token, /^[\w-]+\.[\w-]+\.[\w-]+$/);
  const caPem = (await ensureCA(join(h.cp.dataDir, 'tls'), 'cluster-ca')).certPem;
  const c = new HttpKubeClient({ server: h.cp.url, caPem, token });
  try {
    const u = await whoami(c);
    assert.equal(u.username, 'system:serviceaccount:default:build');
    assert.deepEqual(u.groups, ['system:serviceaccounts', 'system:serviceaccounts:default', 'system:authenticated']);
  } finally {
    c.close();
  }
  const review: any = await h.client.create(TOKEN_REVIEW, '', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', metadata: {}, spec: { token } } as any);
  assert.equal(review.status.authenticated, true);
  assert.equal(review.status.user.username, 'system:serviceaccount:default:build');
  assert.deepEqual(review.status.audiences, ['https://kubernetes.default.svc.cluster.local']);
  const other: any = await h.client.create(TOKEN_REVIEW, '', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', metadata: {}, spec: { token, audiences: ['vault'] } } as any);
  assert.notEqual(other.status.authenticated, true);
  // Deleting the ServiceAccount revokes its tokens.
  await h.client.delete(R.serviceaccounts, 'default', 'build');
  await eventually(async () => {
    const r: any = await h.client.create(TOKEN_REVIEW, '', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', metadata: {}, spec: { token } } as any);
    return r.status.authenticated !== true;
  }, 5_000, 'token revoked');
});

test('a pod-bound token carries the pod and dies with it', NEEDS_WIRING, async () => {
  await h.client.create(R.serviceaccounts, 'default', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'runner' } });
  const pod = await h.client.create(R.pods, 'default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p1' }, spec: { serviceAccountName: 'runner', containers: [{ name: 'c', image: 'busybox' }] } } as any);
  const tr: any = await h.client.createSubresource(R.serviceaccounts, 'default', 'runner', 'token', {
    apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'p1', uid: pod.metadata.uid } },
  });
  assert.equal(tr.spec.expirationSeconds, 3600);
  const review = async () => ((await h.client.create(TOKEN_REVIEW, '', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', metadata: {}, spec: { token: tr.status.token } } as any)) as any).status;
  const s = await review();
  assert.equal(s.authenticated, true);
  assert.deepEqual(s.user.extra['authentication.kubernetes.io/pod-name'], ['p1']);
  await assert.rejects(h.client.createSubresource(R.serviceaccounts, 'default', 'build2', 'token', { spec: {} }), { code: 404 });
  await h.client.delete(R.pods, 'default', 'p1', { gracePeriodSeconds: 0 });
  await eventually(async () => (await review()).authenticated !== true, 5_000, 'token dies with its pod');
});

test('requestClientCertificate: a node obtains its system:node identity through the CSR API', async () => {
  const { certPem, keyPem, csrName } = await requestClientCertificate(h.client, { ...nodeClientRequest('n2'), pollMs: 100, timeoutMs: 10_000 });
  assert.match(csrName, /^node-csr-/);
  assert.equal(needsRotation(certPem), false);
  const caPem = (await ensureCA(join(h.cp.dataDir, 'tls'), 'cluster-ca')).certPem;
  const c = new HttpKubeClient({ server: h.cp.url, caPem, certPem, keyPem });
  try {
    const u = await whoami(c);
    assert.equal(u.username, 'system:node:n2');
    assert.deepEqual(u.groups, ['system:nodes', 'system:authenticated']);
  } finally {
    c.close();
  }
});

test('a joining node trades its bootstrap token for a node certificate', NEEDS_WIRING, async () => {
  assert.ok(bootstrapToken, 'token from the token create test');
  const caPem = (await ensureCA(join(h.cp.dataDir, 'tls'), 'cluster-ca')).certPem;
  const boot = new HttpKubeClient({ server: h.cp.url, caPem, token: bootstrapToken });
  try {
    const { certPem, keyPem, csrName } = await requestClientCertificate(boot, { ...nodeClientRequest('n3'), pollMs: 100, timeoutMs: 10_000 });
    const csr: any = await h.client.get(CSR_GVR, '', csrName);
    assert.equal(csr.status.conditions.find((x: any) => x.type === 'Approved')?.reason, 'AutoApproved');
    const node = new HttpKubeClient({ server: h.cp.url, caPem, certPem, keyPem });
    try {
      assert.equal((await whoami(node)).username, 'system:node:n3');
    } finally {
      node.close();
    }
  } finally {
    boot.close();
  }
});

let legacyToken = '';

test('the tokens controller fills a kubernetes.io/service-account-token Secret', async () => {
  const ca = await ensureCA(join(h.cp.dataDir, 'tls'), 'cluster-ca');
  const tokens = await ServiceAccountTokens.load(h.cp.dataDir);
  const stop = await h.start((deps) => [new LegacyTokenController(deps, { tokens, caPem: ca.certPem })]);
  try {
    await h.client.create(R.serviceaccounts, 'default', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'dash' } });
    await h.client.create(R.secrets, 'default', { apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/service-account-token', metadata: { name: 'dash-token', annotations: { 'kubernetes.io/service-account.name': 'dash' } } } as any);
    const secret: any = await eventually(async () => {
      const s: any = await h.client.get(R.secrets, 'default', 'dash-token');
      return s.data?.token ? s : undefined;
    }, 10_000, 'token filled');
    assert.equal(Buffer.from(secret.data['ca.crt'], 'base64').toString(), ca.certPem);
    assert.equal(Buffer.from(secret.data.namespace, 'base64').toString(), 'default');
    legacyToken = Buffer.from(secret.data.token, 'base64').toString();
    const desc = await runKubectl(kubectl, ['describe', 'secret', 'dash-token', '-n', 'default']);
    assert.match(desc.stdout, /token:\s+\S+/);
    // An orphan token Secret is removed.
    await h.client.create(R.secrets, 'default', { apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/service-account-token', metadata: { name: 'orphan-token', annotations: { 'kubernetes.io/service-account.name': 'nobody' } } } as any);
    await eventually(async () => h.client.get(R.secrets, 'default', 'orphan-token').then(() => false, (e) => e.code === 404), 10_000, 'orphan deleted');
  } finally {
    await stop();
  }
});

test('a legacy ServiceAccount token Secret authenticates until the Secret is deleted', NEEDS_WIRING, async () => {
  assert.ok(legacyToken, 'token from the tokens controller test');
  const caPem = (await ensureCA(join(h.cp.dataDir, 'tls'), 'cluster-ca')).certPem;
  const review = async () => ((await h.client.create(TOKEN_REVIEW, '', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', metadata: {}, spec: { token: legacyToken } } as any)) as any).status;
  const c = new HttpKubeClient({ server: h.cp.url, caPem, token: legacyToken });
  try {
    assert.equal((await whoami(c)).username, 'system:serviceaccount:default:dash');
  } finally {
    c.close();
  }
  await h.client.delete(R.secrets, 'default', 'dash-token');
  await eventually(async () => (await review()).authenticated !== true, 5_000, 'token revoked with its Secret');
});
