// Pure parts of joining nodes: join tokens, rotation deadlines, node IPAM, host-gw routes and the
// approver's agent policy.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { webcrypto } from 'node:crypto';
import pino from 'pino';
import type { KubeObject } from '../../src/api/object.js';
import { caHash, formatJoinToken, parseJoinToken } from '../../src/agent/join/join-token.js';
import { certificateTimes, rotationDeadline, usableAtStart } from '../../src/kubelet/certificate/rotation.js';
import { CertificateManager } from '../../src/kubelet/certificate/certificate-manager.js';
import { CidrSet } from '../../src/controllers/nodeipam/cidr-set.js';
import { podCIDRFor, usedPodCIDRs } from '../../src/controllers/nodeipam/nodeipam-controller.js';
import { desiredPodRoutes, diffRoutes } from '../../src/agent/routes/pod-routes.js';
import { RouteController } from '../../src/agent/routes/route-controller.js';
import { componentDecision, servingDecision } from '../../src/controllers/certificates/agent-policy.js';
import { certificateWindow, parseCsrRequest, type Csr } from '../../src/controllers/certificates/csr.js';
import { createCA } from '../../src/pki/ca.js';
import { signPublicKey } from '../../src/controllers/certificates/sign.js';
import { realClock } from '../../src/client/informer-types.js';

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
const silent = pino({ level: 'silent' });

test('join tokens: the secure form pins the CA hash, the bare form does not, garbage is refused', () => {
  const ca = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
  const secure = formatJoinToken('abcdef.0123456789abcdef', ca);
  assert.match(secure, /^K10[0-9a-f]{64}::abcdef\.0123456789abcdef$/);
  assert.deepEqual(parseJoinToken(secure), { bootstrapToken: 'abcdef.0123456789abcdef', caHash: caHash(ca) });
  assert.equal(caHash(ca), caHash(ca.trim()), 'trailing whitespace does not change the hash');
  assert.deepEqual(parseJoinToken('abcdef.0123456789abcdef'), { bootstrapToken: 'abcdef.0123456789abcdef' });
  assert.throws(() => parseJoinToken('K10abc::abcdef.0123456789abcdef'), /invalid join token/);
  assert.throws(() => parseJoinToken('abcdef:0123456789abcdef'), /invalid join token/);
});

test('rotation deadline: between 70% and 90% of the lifetime', () => {
  const t = { notBefore: new Date('2026-01-01T00:00:00Z'), notAfter: new Date('2026-01-01T00:10:00Z') };
  assert.equal(rotationDeadline(t, 0).toISOString(), '2026-01-01T00:07:00.000Z');
  assert.equal(rotationDeadline(t, 0.5).toISOString(), '2026-01-01T00:08:00.000Z');
  assert.equal(rotationDeadline(t, 0.99999).toISOString().slice(0, 19), '2026-01-01T00:08:59');
  assert.equal(usableAtStart(t, new Date('2026-01-01T00:05:00Z')), true);
  assert.equal(usableAtStart(t, new Date('2026-01-01T00:09:30Z')), false, 'too close to expiry to start with');
});

test('a signer TTL below ten minutes is backdated by a tenth, so rotation is not due at birth', () => {
  const now = new Date('2026-01-01T00:00:00Z');
  const w = certificateWindow({ request: '', signerName: '' }, now, 60);
  assert.equal(w.notBefore.toISOString(), '2025-12-31T23:59:54.000Z');
  assert.equal(w.notAfter.toISOString(), '2026-01-01T00:01:00.000Z');
  assert.ok(rotationDeadline(w, 0) > now);
});

test('node IPAM: /24s of the cluster CIDR, lowest free first, existing ranges kept', () => {
  const set = new CidrSet('10.42.0.0/16');
  assert.equal(set.size, 256);
  assert.equal(set.subnet(3), '10.42.3.0/24');
  assert.equal(set.indexOf('10.42.7.0/24'), 7);
  assert.equal(set.indexOf('10.43.7.0/24'), undefined);
  const node = (name: string, podCIDR?: string): KubeObject => ({ apiVersion: 'v1', kind: 'Node', metadata: { name }, spec: podCIDR ? { podCIDR, podCIDRs: [podCIDR] } : {} });
  const nodes = [node('a', '10.42.0.0/24'), node('b', '10.42.2.0/24'), node('c')];
  const used = usedPodCIDRs(nodes);
  assert.equal(podCIDRFor(nodes[2]!, set, used), '10.42.1.0/24');
  assert.equal(podCIDRFor(nodes[0]!, set, used), undefined, 'a range is never changed');
  const small = new CidrSet('10.99.0.0/23');
  assert.throws(() => podCIDRFor(node('z'), small, new Set(['10.99.0.0/24', '10.99.1.0/24'])), /no pod CIDR left/);
  assert.equal(new CidrSet('192.168.128.0/17', 25).subnet(1), '192.168.128.128/25');
});

const nodeAt = (name: string, ip: string | undefined, podCIDR?: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name },
  spec: podCIDR ? { podCIDR } : {},
  status: ip ? { addresses: [{ type: 'InternalIP', address: ip }, { type: 'Hostname', address: name }] } : {},
});

test('host-gw routes: other nodes\' ranges via their InternalIP; changes and removals', () => {
  const nodes = [nodeAt('a', '10.9.0.2', '10.42.0.0/24'), nodeAt('b', '10.9.0.3', '10.42.1.0/24'), nodeAt('c', undefined, '10.42.2.0/24'), nodeAt('d', '10.9.0.5')];
  const desired = desiredPodRoutes(nodes, 'a');
  assert.deepEqual([...desired], [['10.42.1.0/24', '10.9.0.3']]);
  const installed = new Map([['10.42.1.0/24', '10.9.0.9'], ['10.42.5.0/24', '10.9.0.7']]);
  assert.deepEqual(diffRoutes(installed, desired), { replace: [['10.42.1.0/24', '10.9.0.3']], remove: [['10.42.5.0/24', '10.9.0.7']] });
});

test('route controller: installs, replaces and removes only its own routes', async () => {
  const calls: string[] = [];
  const rc = new RouteController({ client: {} as any, nodeName: 'a', logger: silent, ip: async (args) => void calls.push(args.join(' ')) });
  await rc.reconcile([nodeAt('a', '10.9.0.2', '10.42.0.0/24'), nodeAt('b', '10.9.0.3', '10.42.1.0/24')]);
  await rc.reconcile([nodeAt('a', '10.9.0.2', '10.42.0.0/24'), nodeAt('b', '10.9.0.3', '10.42.1.0/24')]);
  await rc.reconcile([nodeAt('a', '10.9.0.2', '10.42.0.0/24')]);
  assert.deepEqual(calls, ['route replace 10.42.1.0/24 via 10.9.0.3', 'route del 10.42.1.0/24 via 10.9.0.3']);
  assert.equal(rc.routes().size, 0);
});

async function csrFor(subject: string, o: { signerName: string; usages: string[]; username: string; groups?: string[]; sans?: { type: 'dns' | 'ip'; value: string }[] }): Promise<Csr> {
  const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
  const req = await x509.Pkcs10CertificateRequestGenerator.create({ name: subject, keys, signingAlgorithm: ALG, extensions: o.sans ? [new x509.SubjectAlternativeNameExtension(o.sans)] : [] });
  return {
    apiVersion: 'certificates.k8s.io/v1',
    kind: 'CertificateSigningRequest',
    metadata: { name: 'x' },
    spec: { request: Buffer.from(req.toString('pem')).toString('base64'), signerName: o.signerName, usages: o.usages, username: o.username, groups: o.groups ?? ['system:nodes', 'system:authenticated'] },
  };
}

test('agent policy: serving certificates only for the node\'s own name and addresses', async () => {
  const serving = { signerName: 'kubernetes.io/kubelet-serving', usages: ['digital signature', 'server auth'], username: 'system:node:n1' };
  const n1 = nodeAt('n1', '10.9.0.2');
  const ok = await csrFor('CN=system:node:n1, O=system:nodes', { ...serving, sans: [{ type: 'dns', value: 'n1' }, { type: 'ip', value: '10.9.0.2' }] });
  assert.ok(servingDecision(ok, await parseCsrRequest(ok.spec), n1).approve);
  assert.ok(servingDecision(ok, await parseCsrRequest(ok.spec), undefined).retry, 'waits for the Node');
  const foreignIp = await csrFor('CN=system:node:n1, O=system:nodes', { ...serving, sans: [{ type: 'ip', value: '10.9.0.3' }] });
  assert.deepEqual(servingDecision(foreignIp, await parseCsrRequest(foreignIp.spec), n1), {});
  const forOther = await csrFor('CN=system:node:n2, O=system:nodes', { ...serving, sans: [{ type: 'ip', value: '10.9.0.2' }] });
  assert.deepEqual(servingDecision(forOther, await parseCsrRequest(forOther.spec), n1), {}, 'a node cannot ask for another node\'s identity');
  const notANode = await csrFor('CN=system:node:n1, O=system:nodes', { ...serving, username: 'system:node:n1', groups: ['system:authenticated'], sans: [{ type: 'ip', value: '10.9.0.2' }] });
  assert.deepEqual(servingDecision(notANode, await parseCsrRequest(notANode.spec), n1), {});
});

test('agent policy: component client certificates only for the fixed list, without groups', async () => {
  const client = { signerName: 'kubernetes.io/kube-apiserver-client', usages: ['digital signature', 'client auth'], username: 'system:node:n1' };
  const proxy = await csrFor('CN=system:kube-proxy', client);
  assert.ok(componentDecision(proxy, await parseCsrRequest(proxy.spec)).approve);
  for (const subject of ['CN=admin', 'CN=system:kube-proxy, O=system:masters', 'CN=system:node:n2, O=system:nodes']) {
    const c = await csrFor(subject, client);
    assert.deepEqual(componentDecision(c, await parseCsrRequest(c.spec)), {}, subject);
  }
  const fromUser = await csrFor('CN=system:kube-proxy', { ...client, username: 'jane', groups: ['system:authenticated'] });
  assert.deepEqual(componentDecision(fromUser, await parseCsrRequest(fromUser.spec)), {}, 'only nodes get agent identities');
});

test('certificate manager renews at the deadline and installs the new pair', async () => {
  const ca = await createCA('test-ca');
  const issue = async (ttlMs: number) => {
    const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
    const now = Date.now();
    const certPem = await signPublicKey(ca, { publicKey: keys.publicKey, subject: 'CN=system:node:n1, O=system:nodes', usages: ['client auth'], notBefore: new Date(now - 100), notAfter: new Date(now + ttlMs) });
    return { certPem, keyPem: 'key' };
  };
  const installed: { certPem: string; at: number }[] = [];
  const ac = new AbortController();
  const first = await issue(2_000);
  const m = new CertificateManager(
    { clock: realClock, logger: silent, random: () => 0, request: () => issue(60_000), install: (p) => void installed.push({ certPem: p.certPem, at: Date.now() }) },
    first,
  );
  const deadline = rotationDeadline(certificateTimes(first.certPem), 0).getTime();
  const run = m.run(ac.signal);
  const start = Date.now();
  while (m.rotationCount() === 0 && Date.now() - start < 5000) await new Promise((r) => setTimeout(r, 20));
  ac.abort();
  await run;
  assert.equal(m.rotationCount(), 1, 'renewed once: the new certificate is far from its deadline');
  assert.equal(m.certificate().certPem, installed[0]!.certPem);
  assert.ok(installed[0]!.at >= deadline - 5, 'not before 70% of the first certificate\'s life');
});
