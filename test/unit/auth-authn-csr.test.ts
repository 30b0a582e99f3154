import { test } from 'node:test';
import assert from 'node:assert/strict';
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { webcrypto } from 'node:crypto';
import { createCA } from '../../src/pki/ca.js';
import { certificateWindow, parseCsrRequest, signerProblems, type Csr } from '../../src/controllers/certificates/csr.js';
import { needsSigning, signCsr } from '../../src/controllers/certificates/csr-signing-controller.js';
import { approvalPermission, awaitsApproval } from '../../src/controllers/certificates/csr-approving-controller.js';
import { parseDurationSeconds } from '../../src/cli/token-command.js';

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };

async function csrFor(name: string, opts: { signerName?: string; usages?: string[]; username?: string; sans?: string[] } = {}): Promise<Csr> {
  const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
  const req = await x509.Pkcs10CertificateRequestGenerator.create({
    name,
    keys,
    signingAlgorithm: ALG,
    extensions: opts.sans ? [new x509.SubjectAlternativeNameExtension(opts.sans.map((v) => ({ type: 'dns' as const, value: v })))] : [],
  });
  return {
    apiVersion: 'certificates.k8s.io/v1',
    kind: 'CertificateSigningRequest',
    metadata: { name: 'c1' },
    spec: {
      request: Buffer.from(req.toString('pem')).toString('base64'),
      signerName: opts.signerName ?? 'kubernetes.io/kube-apiserver-client',
      usages: opts.usages ?? ['client auth'],
      username: opts.username,
    },
  };
}

const approved = (c: Csr): Csr => ({ ...c, status: { conditions: [{ type: 'Approved', status: 'True', reason: 'KubectlApprove' }] } });

test('approved kube-apiserver-client CSRs are signed with the requested subject', async () => {
  const ca = await createCA('test-ca');
  const csr = await csrFor('CN=jane, O=dev, O=ops', { usages: ['digital signature', 'key encipherment', 'client auth'] });
  assert.equal(needsSigning(csr), false, 'not approved yet');
  assert.equal(needsSigning(approved(csr)), true);
  const now = new Date();
  const signed = await signCsr(approved({ ...csr, spec: { ...csr.spec, expirationSeconds: 3600 } }), { ca }, now);
  assert.equal(needsSigning(signed), false);
  const pem = Buffer.from(signed.status!.certificate!, 'base64').toString();
  const cert = new x509.X509Certificate(pem);
  assert.deepEqual(cert.subjectName.getField('CN'), ['jane']);
  assert.deepEqual(cert.subjectName.getField('O'), ['dev', 'ops']);
  assert.equal(cert.issuer, ca.cert.subject);
  assert.ok(await cert.verify({ publicKey: ca.cert.publicKey, signatureOnly: true }));
  const eku = cert.getExtension(x509.ExtendedKeyUsageExtension)!;
  assert.deepEqual([...eku.usages], [x509.ExtendedKeyUsage.clientAuth]);
  assert.ok(Math.abs(cert.notAfter.getTime() - (now.getTime() + 3600_000)) < 2000);
  // Node's TLS accepts it as a client certificate of this CA.
  const { X509Certificate } = await import('node:crypto');
  assert.ok(new X509Certificate(pem).checkIssued(new X509Certificate(ca.certPem)));
});

test('signer rules: usages, kubelet subjects, unparsable requests fail with SignerValidationFailure', async () => {
  const ca = await createCA('test-ca');
  const server = approved(await csrFor('CN=x', { usages: ['server auth'] }));
  const failed = await signCsr(server, { ca }, new Date());
  const cond = failed.status!.conditions!.find((c) => c.type === 'Failed')!;
  assert.equal(cond.reason, 'SignerValidationFailure');
  assert.match(cond.message!, /invalid usage for client certificate: server auth/);
  assert.equal(needsSigning(failed), false);
  const kubelet = await csrFor('CN=jane, O=dev', { signerName: 'kubernetes.io/kube-apiserver-client-kubelet' });
  const problems = signerProblems(kubelet.spec.signerName, await parseCsrRequest(kubelet.spec), ['client auth']);
  assert.deepEqual(problems, ['subject organization is not system:nodes', 'subject common name does not begin with system:node:']);
  const garbage = approved({ ...server, spec: { ...server.spec, usages: ['client auth'], request: Buffer.from('nope').toString('base64') } });
  assert.match((await signCsr(garbage, { ca }, new Date())).status!.conditions!.at(-1)!.message!, /unable to parse csr/);
});

test('certificate window: backdated, capped by the signer TTL, at least 10 minutes', () => {
  const now = new Date('2026-01-01T00:00:00Z');
  const w = certificateWindow({ request: '', signerName: '', expirationSeconds: 60 }, now, 86400);
  assert.equal(w.notBefore.toISOString(), '2025-12-31T23:55:00.000Z');
  assert.equal(w.notAfter.toISOString(), '2026-01-01T00:10:00.000Z');
  assert.equal(certificateWindow({ request: '', signerName: '' }, now, 86400).notAfter.toISOString(), '2026-01-02T00:00:00.000Z');
});

test('kubelet client CSRs: nodeclient for joiners, selfnodeclient for renewals', async () => {
  const kubelet = { signerName: 'kubernetes.io/kube-apiserver-client-kubelet', usages: ['digital signature', 'client auth'] };
  const join = await csrFor('CN=system:node:n1, O=system:nodes', { ...kubelet, username: 'system:bootstrap:abcdef' });
  assert.equal(awaitsApproval(join), true);
  assert.equal((await approvalPermission(join))?.subresource, 'nodeclient');
  const renew = await csrFor('CN=system:node:n1, O=system:nodes', { ...kubelet, username: 'system:node:n1' });
  assert.equal((await approvalPermission(renew))?.subresource, 'selfnodeclient');
  const withSan = await csrFor('CN=system:node:n1, O=system:nodes', { ...kubelet, username: 'system:node:n1', sans: ['evil'] });
  assert.equal(await approvalPermission(withSan), undefined);
  assert.equal(await approvalPermission(await csrFor('CN=jane')), undefined, 'other signers are left to humans');
  assert.equal(awaitsApproval(approved(join)), false);
});

test('token --ttl durations', () => {
  assert.equal(parseDurationSeconds('24h'), 86400);
  assert.equal(parseDurationSeconds('1h30m'), 5400);
  assert.equal(parseDurationSeconds('0'), 0);
  assert.equal(parseDurationSeconds('90s'), 90);
  assert.equal(parseDurationSeconds('1d'), undefined);
  assert.equal(parseDurationSeconds(''), undefined);
});

import { certificateApproval, certificateSigning, certificateSubjectRestriction, csrRequesterPlugin } from '../../src/auth/authn/csr-admission.js';
import type { AdmissionAttributes, Authorizer } from '../../src/auth/types.js';

const csrInfo = { group: 'certificates.k8s.io', version: 'v1', plural: 'certificatesigningrequests', kind: 'CertificateSigningRequest' } as any;
const jane = { username: 'jane', uid: 'u1', groups: ['dev', 'system:authenticated'] };
const attrs = (over: Partial<AdmissionAttributes>): AdmissionAttributes => ({ operation: 'CREATE', info: csrInfo, subresource: '', namespace: '', name: 'c1', user: jane, dryRun: false, ...over });

test('CSR admission: requester recorded, approval cannot inject a certificate', async () => {
  const csr = (await csrFor('CN=jane')) as any;
  csr.spec.username = 'system:bootstrap:abcdef';
  csr.spec.groups = ['system:bootstrappers'];
  await csrRequesterPlugin().admit!(attrs({ object: csr }));
  assert.equal(csr.spec.username, 'jane');
  assert.equal(csr.spec.uid, 'u1');
  assert.deepEqual(csr.spec.groups, ['dev', 'system:authenticated']);
  const next = { ...approved(csr), status: { ...approved(csr).status, certificate: 'Zm9v' } };
  await csrRequesterPlugin().admit!(attrs({ operation: 'UPDATE', subresource: 'approval', object: next, oldObject: csr }));
  assert.equal(next.status.certificate, undefined);
});

test('CSR admission: system:masters refused for the client signer; approve/sign need signer rights', async () => {
  const masters = await csrFor('CN=evil, O=system:masters');
  await assert.rejects(certificateSubjectRestriction().validate!(attrs({ object: masters })), {
    code: 403,
    message: 'certificatesigningrequests.certificates.k8s.io "c1" is forbidden: use of kubernetes.io/kube-apiserver-client signer with system:masters group is not allowed',
  });
  await certificateSubjectRestriction().validate!(attrs({ object: await csrFor('CN=ok, O=dev') }));
  const seen: string[] = [];
  const authz: Authorizer = {
    async authorize(a) {
      seen.push(`${a.verb} ${a.resource}/${a.name}`);
      return { decision: a.user.username === 'admin' && a.name === 'kubernetes.io/*' ? 'allow' : 'noOpinion', reason: '' };
    },
  };
  const csr = await csrFor('CN=jane');
  await assert.rejects(certificateApproval(authz).validate!(attrs({ operation: 'UPDATE', subresource: 'approval', object: approved(csr), oldObject: csr })), {
    message: 'certificatesigningrequests.certificates.k8s.io "c1" is forbidden: user not permitted to approve requests with signerName "kubernetes.io/kube-apiserver-client"',
  });
  assert.deepEqual(seen, ['approve signers/kubernetes.io/kube-apiserver-client', 'approve signers/kubernetes.io/*']);
  await certificateApproval(authz).validate!(attrs({ user: { username: 'admin', groups: [] }, operation: 'UPDATE', subresource: 'approval', object: approved(csr), oldObject: csr }));
  const signed = { ...approved(csr), status: { certificate: 'Zm9v' } };
  await assert.rejects(certificateSigning(authz).validate!(attrs({ operation: 'UPDATE', subresource: 'status', object: signed, oldObject: approved(csr) })), /not permitted to sign/);
});
