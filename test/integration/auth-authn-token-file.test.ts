// --token-auth-file against a real control plane: static bearer tokens log users in; unknown
// tokens get 401 even when the connection also carries a client certificate.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { startControlPlane } from '../../src/controlplane/control-plane.js';
import { HttpKubeClient } from '../../src/client/http-client.js';

const SELF_REVIEW = { group: 'authentication.k8s.io', version: 'v1', resource: 'selfsubjectreviews' };

test('static token file users authenticate with their groups', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'k8ts-tokenfile-'));
  const ac = new AbortController();
  try {
    const file = join(dataDir, 'tokens.csv');
    writeFileSync(file, 's3cr3t-token,alice,1001,"dev,ops"\n');
    const cp = await startControlPlane(
      { dataDir, httpsPort: 0, bindAddress: '127.0.0.1', tlsSans: [], serviceCidr: '10.43.0.0/16', controllers: false, logger: pino({ level: 'silent' }), tokenAuthFile: file },
      ac.signal,
    );
    const { caPem, server } = await cp.clientConfig('unused');
    const alice = new HttpKubeClient({ server, caPem, token: 's3cr3t-token' });
    const stranger = new HttpKubeClient({ server, caPem, token: 'wrong' });
    try {
      const r: any = await alice.create(SELF_REVIEW, '', { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview', metadata: {} } as any);
      assert.deepEqual(r.status.userInfo, { username: 'alice', uid: '1001', groups: ['dev', 'ops', 'system:authenticated'] });
      await assert.rejects(stranger.create(SELF_REVIEW, '', { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview', metadata: {} } as any), { code: 401 });
    } finally {
      alice.close();
      stranger.close();
    }
    ac.abort();
    await cp.done;
  } finally {
    ac.abort();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
