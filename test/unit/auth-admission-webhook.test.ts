import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { builtinResources } from '../../src/api/registry/builtin.js';
import { StatusError } from '../../src/api/errors.js';
import { createCA, issueCertificate } from '../../src/pki/ca.js';
import { staticLookup } from '../../src/auth/admission/lookup.js';
import type { AdmissionRequest } from '../../src/auth/admission/attributes.js';
import { MutatingAdmissionWebhook, ValidatingAdmissionWebhook } from '../../src/auth/admission/webhook/dispatcher.js';

const podsInfo = builtinResources.find((r) => r.group === '' && r.plural === 'pods')!;
let server: Server;
let base: string;
let caBundle: string;
const seen: any[] = [];

before(async () => {
  const ca = await createCA('webhook-ca');
  const cert = await issueCertificate(ca, { commonName: 'hook', ipAddresses: ['127.0.0.1'], server: true });
  caBundle = Buffer.from(ca.certPem).toString('base64');
  server = createServer({ cert: cert.certPem, key: cert.keyPem }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const review = JSON.parse(Buffer.concat(chunks).toString());
      seen.push({ path: req.url, review });
      const uid = review.request.uid;
      let response: any = { uid, allowed: true };
      if (req.url!.startsWith('/deny')) response = { uid, allowed: false, status: { code: 403, message: 'no pods named bad' } };
      if (req.url!.startsWith('/mutate')) {
        const patch = [{ op: 'add', path: '/metadata/labels', value: { mutated: 'yes' } }];
        response = { uid, allowed: true, patchType: 'JSONPatch', patch: Buffer.from(JSON.stringify(patch)).toString('base64'), warnings: ['mutated it'] };
      }
      if (req.url!.startsWith('/slow')) return setTimeout(() => res.end(JSON.stringify({ response })), 2500);
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => server.close());

const rules = [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }];
const config = (kind: string, hooks: any[]) => ({ apiVersion: 'admissionregistration.k8s.io/v1', kind, metadata: { name: 'cfg' }, webhooks: hooks });
const hook = (name: string, path: string, extra: any = {}) => ({ name, clientConfig: { url: base + path, caBundle }, rules, sideEffects: 'None', admissionReviewVersions: ['v1'], ...extra });

function podReq(name: string, labels?: Record<string, string>): AdmissionRequest {
  return {
    operation: 'CREATE',
    info: podsInfo,
    subresource: '',
    namespace: 'default',
    name,
    object: { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', labels }, spec: { containers: [{ name: 'c', image: 'x' }] } },
    user: { username: 'alice', groups: ['devs'] },
    dryRun: false,
    warnings: [],
  };
}

describe('admission webhooks', () => {
  it('a validating webhook denies with its message', async () => {
    const plugin = new ValidatingAdmissionWebhook({ lookup: staticLookup({ 'admissionregistration.k8s.io/validatingwebhookconfigurations': [config('ValidatingWebhookConfiguration', [hook('deny.example.com', '/deny')])] }) });
    await assert.rejects(plugin.validate(podReq('bad')), (e: unknown) => e instanceof StatusError && e.code === 403 && e.message === 'admission webhook "deny.example.com" denied the request: no pods named bad');
    const last = seen.at(-1)!.review;
    assert.equal(last.apiVersion, 'admission.k8s.io/v1');
    assert.equal(last.request.operation, 'CREATE');
    assert.deepEqual(last.request.resource, { group: '', version: 'v1', resource: 'pods' });
    assert.equal(last.request.userInfo.username, 'alice');
    assert.equal(last.request.object.metadata.name, 'bad');
  });
  it('a mutating webhook patches the object and passes warnings on', async () => {
    const plugin = new MutatingAdmissionWebhook({ lookup: staticLookup({ 'admissionregistration.k8s.io/mutatingwebhookconfigurations': [config('MutatingWebhookConfiguration', [hook('mutate.example.com', '/mutate')])] }) });
    const a = podReq('p');
    const obj = a.object!;
    await plugin.admit(a);
    assert.deepEqual(obj.metadata.labels, { mutated: 'yes' });
    assert.deepEqual(a.warnings, ['mutated it']);
  });
  it('objectSelector and rules limit which requests reach a webhook', async () => {
    const cfg = config('ValidatingWebhookConfiguration', [hook('deny.example.com', '/deny', { objectSelector: { matchLabels: { check: 'me' } } })]);
    const plugin = new ValidatingAdmissionWebhook({ lookup: staticLookup({ 'admissionregistration.k8s.io/validatingwebhookconfigurations': [cfg] }) });
    await plugin.validate(podReq('unlabelled'));
    await assert.rejects(plugin.validate(podReq('labelled', { check: 'me' })));
  });
  it('timeouts honour failurePolicy', async () => {
    const fail = config('ValidatingWebhookConfiguration', [hook('slow.example.com', '/slow', { timeoutSeconds: 1 })]);
    const plugin = new ValidatingAdmissionWebhook({ lookup: staticLookup({ 'admissionregistration.k8s.io/validatingwebhookconfigurations': [fail] }) });
    await assert.rejects(plugin.validate(podReq('p')), (e: unknown) => e instanceof StatusError && e.code === 500 && /^Internal error occurred: failed calling webhook "slow.example.com": failed to call webhook: Post "https:\/\/127.0.0.1:\d+\/slow": /.test(e.message));
    const ignore = config('ValidatingWebhookConfiguration', [hook('slow.example.com', '/slow', { timeoutSeconds: 1, failurePolicy: 'Ignore' })]);
    const p2 = new ValidatingAdmissionWebhook({ lookup: staticLookup({ 'admissionregistration.k8s.io/validatingwebhookconfigurations': [ignore] }) });
    await p2.validate(podReq('p'));
  });
});
