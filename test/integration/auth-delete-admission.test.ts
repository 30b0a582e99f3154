// Deletes run admission as upstream: validating plugins (NodeRestriction) and webhooks see
// operation DELETE with the live object as oldObject, for single deletes and deletecollection.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { HttpKubeClient } from '../../src/client/http-client.js';
import { ApiError } from '../../src/client/types.js';
import { createCA, issueCertificate } from '../../src/pki/ca.js';
import { startTestControlPlane, type TestControlPlane } from '../support/control-plane.js';

const core = (resource: string) => ({ group: '', version: 'v1', resource });
const hooksGVR = { group: 'admissionregistration.k8s.io', version: 'v1', resource: 'validatingwebhookconfigurations' };
let cp: TestControlPlane;
let admin: HttpKubeClient;
let hookServer: Server;
let hookURL: string;
let caBundle: string;
const reviews: any[] = [];

async function refused(p: Promise<unknown>, code: number, message: string | RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof ApiError, String(e));
    assert.equal(e.code, code);
    if (typeof message === 'string') assert.equal(e.message, message);
    else assert.match(e.message, message);
    return true;
  });
}

before(async () => {
  const ca = await createCA('delete-hook-ca');
  const cert = await issueCertificate(ca, { commonName: 'hook', ipAddresses: ['127.0.0.1'], server: true });
  caBundle = Buffer.from(ca.certPem).toString('base64');
  // Denies deleting any ConfigMap labelled protected=true; records every review it gets.
  hookServer = createServer({ cert: cert.certPem, key: cert.keyPem }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const review = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      reviews.push(review.request);
      const denied = review.request.oldObject?.metadata?.labels?.protected === 'true';
      const response = { uid: review.request.uid, allowed: !denied, status: denied ? { code: 403, message: `${review.request.oldObject.metadata.name} is protected` } : undefined };
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response }));
    });
  });
  await new Promise<void>((r) => hookServer.listen(0, '127.0.0.1', r));
  hookURL = `https://127.0.0.1:${(hookServer.address() as AddressInfo).port}/validate`;
  cp = await startTestControlPlane({ controllers: false });
  admin = new HttpKubeClient(await cp.clientConfig('admin', ['system:masters']));
  await admin.create(core('namespaces'), '', { metadata: { name: 'del-ns' } });
  await admin.create(core('serviceaccounts'), 'del-ns', { metadata: { name: 'default' } });
});
after(async () => {
  admin?.close();
  await cp?.stop();
  hookServer?.close();
});

describe('admission on delete', () => {
  it('NodeRestriction: a kubelet may delete only pods bound to itself', async () => {
    for (const [name, nodeName] of [['mine', 'n1'], ['theirs', 'n2']]) {
      await admin.create(core('pods'), 'del-ns', { metadata: { name }, spec: { nodeName, containers: [{ name: 'c', image: 'nginx' }] } });
    }
    // The Node authorizer has no opinion on pods not bound to the node; grant the delete through RBAC
    // so that the request reaches admission, where NodeRestriction must still refuse it.
    const rbac = (resource: string) => ({ group: 'rbac.authorization.k8s.io', version: 'v1', resource });
    await admin.create(rbac('roles'), 'del-ns', { metadata: { name: 'pod-deleter' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['delete', 'get'] }] } as any);
    await admin.create(rbac('rolebindings'), 'del-ns', { metadata: { name: 'n1-deletes' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pod-deleter' }, subjects: [{ kind: 'User', name: 'system:node:n1', apiGroup: 'rbac.authorization.k8s.io' }] } as any);
    const kubelet = new HttpKubeClient(await cp.clientConfig('system:node:n1', ['system:nodes']));
    try {
      for (let i = 0; ; i++) {
        try {
          await kubelet.get(core('pods'), 'del-ns', 'theirs');
          break;
        } catch (e) {
          if (i > 100) throw e; // the RBAC informers have not seen the binding yet
          await new Promise((r) => setTimeout(r, 50));
        }
      }
      await refused(kubelet.delete(core('pods'), 'del-ns', 'theirs', { gracePeriodSeconds: 0 }), 403, 'pods "theirs" is forbidden: node "n1" can only delete pods with spec.nodeName set to itself');
      await kubelet.delete(core('pods'), 'del-ns', 'mine', { gracePeriodSeconds: 0 });
      await refused(admin.get(core('pods'), 'del-ns', 'mine'), 404, 'pods "mine" not found');
      assert.equal((await admin.get(core('pods'), 'del-ns', 'theirs')).metadata.name, 'theirs');
    } finally {
      kubelet.close();
    }
  });

  it('a validating webhook for DELETE gets the live object as oldObject and can refuse', async () => {
    await admin.create(hooksGVR, '', {
      metadata: { name: 'protect-configmaps' },
      webhooks: [{ name: 'protect.k8ts.test', clientConfig: { url: hookURL, caBundle }, rules: [{ operations: ['DELETE'], apiGroups: [''], apiVersions: ['v1'], resources: ['configmaps'] }], sideEffects: 'None', admissionReviewVersions: ['v1'] }],
    } as any);
    await admin.create(core('configmaps'), 'del-ns', { metadata: { name: 'keep', labels: { protected: 'true' } }, data: { a: '1' } } as any);
    await admin.create(core('configmaps'), 'del-ns', { metadata: { name: 'drop' } });
    // The webhook configuration reaches admission through the watch cache.
    const deadline = Date.now() + 5000;
    for (;;) {
      try {
        await admin.delete(core('configmaps'), 'del-ns', 'keep');
        assert.ok(Date.now() < deadline, 'the webhook never refused');
        await admin.create(core('configmaps'), 'del-ns', { metadata: { name: 'keep', labels: { protected: 'true' } }, data: { a: '1' } } as any);
        await new Promise((r) => setTimeout(r, 50));
      } catch (e) {
        assert.ok(e instanceof ApiError && e.code === 403, String(e));
        assert.equal(e.message, 'admission webhook "protect.k8ts.test" denied the request: keep is protected');
        break;
      }
    }
    const review = reviews.find((r) => r.name === 'keep' && r.operation === 'DELETE');
    assert.equal(review.object, null);
    assert.equal(review.oldObject.data.a, '1');
    assert.equal(review.options.kind, 'DeleteOptions');
    await admin.delete(core('configmaps'), 'del-ns', 'drop');
    await refused(admin.get(core('configmaps'), 'del-ns', 'drop'), 404, 'configmaps "drop" not found');
  });

  it('deletecollection runs the same admission per object', async () => {
    await admin.create(core('configmaps'), 'del-ns', { metadata: { name: 'loose' } });
    const res = await fetchDeleteCollection('/api/v1/namespaces/del-ns/configmaps');
    assert.equal(res.status, 403);
    assert.match(res.body, /admission webhook \\"protect.k8ts.test\\" denied the request: keep is protected/);
    assert.equal((await admin.get(core('configmaps'), 'del-ns', 'keep')).metadata.name, 'keep');
    // One refusal does not stop the rest of the collection (upstream deletes the others too).
    await refused(admin.get(core('configmaps'), 'del-ns', 'loose'), 404, 'configmaps "loose" not found');
  });
});

/** HttpKubeClient has no deletecollection; one raw HTTPS DELETE with the admin's certificate. */
async function fetchDeleteCollection(path: string): Promise<{ status: number; body: string }> {
  const { request } = await import('node:https');
  const cfg = await cp.clientConfig('admin', ['system:masters']);
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, cfg.server), { method: 'DELETE', ca: cfg.caPem, cert: cfg.certPem, key: cfg.keyPem }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}
