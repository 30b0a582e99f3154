// Encryption at rest, the audit log and the fairness limit through a real control plane. Needs the
// coordinator's wiring (ControlPlaneOptions encryptionProviderConfig / auditLogPath /
// maxRequestsInflight, see the issue-7 admission report); options are passed untyped until then.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { startControlPlane } from '../../src/controlplane/control-plane.js';
import { HttpKubeClient } from '../../src/client/http-client.js';

const core = (resource: string) => ({ group: '', version: 'v1', resource });

it('Secrets are encrypted in the raw store and every request is audited', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'k8ts-enc-e2e-'));
  const ac = new AbortController();
  const clients: HttpKubeClient[] = [];
  try {
    const enc = join(dataDir, 'encryption.yaml');
    writeFileSync(enc, ['apiVersion: apiserver.config.k8s.io/v1', 'kind: EncryptionConfiguration', 'resources:', '  - resources: [secrets]', '    providers:', '      - aesgcm:', '          keys:', '            - name: k1', `              secret: ${Buffer.alloc(32, 7).toString('base64')}`, '      - identity: {}', ''].join('\n'));
    const options = { dataDir, httpsPort: 0, bindAddress: '127.0.0.1', tlsSans: [], serviceCidr: '10.43.0.0/16', controllers: false, simNodes: 0, logger: pino({ level: 'silent' }), encryptionProviderConfig: enc, auditLogPath: join(dataDir, 'audit.log'), maxRequestsInflight: 4 };
    const cp = await startControlPlane(options, ac.signal);
    const admin = new HttpKubeClient(await cp.clientConfig('admin', ['system:masters']));
    clients.push(admin);
    await admin.create(core('secrets'), 'default', { metadata: { name: 's' }, stringData: { pw: 'e2e-plaintext-secret' } } as any);
    const got: any = await admin.get(core('secrets'), 'default', 's');
    assert.equal(Buffer.from(got.data.pw, 'base64').toString(), 'e2e-plaintext-secret');
    // Under a limit of 4 seats, 60 concurrent requests of one user all complete (queued, not refused).
    await admin.create({ group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'clusterrolebindings' }, '', {
      metadata: { name: 'busy-admin' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'busy' }],
    } as any);
    await new Promise((r) => setTimeout(r, 500)); // the authorizer learns the binding through its informer
    const user = new HttpKubeClient(await cp.clientConfig('busy', ['system:authenticated']));
    clients.push(user);
    await Promise.all(Array.from({ length: 60 }, () => user.list(core('configmaps'), 'default')));
    user.close();
    admin.close();
    ac.abort();
    await cp.done;
    for (const f of readdirSync(join(dataDir, 'db'))) {
      const bytes = readFileSync(join(dataDir, 'db', f));
      assert.equal(bytes.indexOf('e2e-plaintext-secret'), -1, f);
      assert.equal(bytes.indexOf(Buffer.from('e2e-plaintext-secret').toString('base64')), -1, f);
    }
    const lines = readFileSync(join(dataDir, 'audit.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.ok(lines.some((l) => l.verb === 'create' && l.objectRef?.resource === 'secrets' && l.responseStatus.code === 201 && l.user.username === 'admin'));
    assert.ok(lines.filter((l) => l.user.username === 'busy').length >= 60);
  } finally {
    for (const c of clients) c.close();
    ac.abort();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
