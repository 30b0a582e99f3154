import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditLogger, evaluatePolicy, parseAuditPolicy } from '../../src/auth/audit/index.js';
import type { AuditEvent } from '../../src/auth/types.js';

function event(over: Partial<AuditEvent> = {}): AuditEvent {
  return {
    level: 'Metadata',
    auditID: 'id-1',
    stage: 'ResponseComplete',
    requestURI: '/api/v1/namespaces/default/secrets/s',
    verb: 'get',
    user: { username: 'alice', groups: ['devs', 'system:authenticated'] },
    sourceIPs: ['127.0.0.1'],
    userAgent: 'kubectl/v1.32.0',
    objectRef: { resource: 'secrets', namespace: 'default', name: 's', apiVersion: 'v1' },
    responseStatus: { code: 200 },
    requestObject: { kind: 'Secret', metadata: { name: 's', managedFields: [{ manager: 'x' }] } },
    responseObject: { kind: 'Secret', metadata: { name: 's' }, data: { a: 'Yg==' } },
    requestReceivedTimestamp: '2026-01-01T00:00:00.000000Z',
    stageTimestamp: '2026-01-01T00:00:00.010000Z',
    ...over,
  };
}

const POLICY = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
  - level: None
    users: ["system:kube-proxy"]
  - level: None
    nonResourceURLs: ["/healthz*", "/version"]
  - level: Metadata
    resources:
      - group: ""
        resources: ["secrets", "configmaps"]
  - level: RequestResponse
    omitManagedFields: true
    resources:
      - group: ""
        resources: ["pods", "pods/log"]
  - level: Request
    userGroups: ["devs"]
    namespaces: ["team-a"]
  - level: Metadata
`;

describe('audit policy', () => {
  const policy = parseAuditPolicy(POLICY);
  it('first matching rule wins', () => {
    assert.equal(evaluatePolicy(policy, event()).level, 'Metadata');
    assert.equal(evaluatePolicy(policy, event({ user: { username: 'system:kube-proxy', groups: [] } })).level, 'None');
    assert.equal(evaluatePolicy(policy, event({ objectRef: { resource: 'pods', subresource: 'log', namespace: 'x' } })).level, 'RequestResponse');
    assert.equal(evaluatePolicy(policy, event({ objectRef: { resource: 'pods', subresource: 'exec', namespace: 'x' } })).level, 'Metadata');
    assert.equal(evaluatePolicy(policy, event({ objectRef: { resource: 'deployments', apiGroup: 'apps', namespace: 'team-a' } })).level, 'Request');
    assert.equal(evaluatePolicy(policy, event({ objectRef: undefined, requestURI: '/healthz/ready', verb: 'get' })).level, 'None');
    assert.equal(evaluatePolicy(policy, event({ objectRef: undefined, requestURI: '/apis', verb: 'get' })).level, 'Metadata');
  });
});

describe('AuditLogger', () => {
  it('writes one JSON line per request at the policy level', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'k8ts-audit-'));
    try {
      const policyPath = join(dir, 'policy.yaml');
      writeFileSync(policyPath, POLICY);
      const logPath = join(dir, 'audit.log');
      const log = new AuditLogger({ policyPath, logPath, maxBatch: 2 });
      log.record(event());
      log.record(event({ auditID: 'id-2', objectRef: { resource: 'pods', namespace: 'default', name: 'p', apiVersion: 'v1' }, verb: 'create', responseStatus: { code: 201 } }));
      log.record(event({ auditID: 'id-3', user: { username: 'system:kube-proxy', groups: [] } }));
      log.record(event({ auditID: 'id-4', objectRef: undefined, requestURI: '/apis', verb: 'get' }));
      await log.close();
      const lines = readFileSync(logPath, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      assert.deepEqual(lines.map((l) => l.auditID), ['id-1', 'id-2', 'id-4']);
      const [secret, pod] = lines;
      assert.equal(secret.kind, 'Event');
      assert.equal(secret.apiVersion, 'audit.k8s.io/v1');
      assert.equal(secret.level, 'Metadata');
      assert.equal(secret.requestObject, undefined);
      assert.equal(secret.responseObject, undefined);
      assert.deepEqual(secret.responseStatus, { metadata: {}, code: 200 });
      assert.equal(pod.level, 'RequestResponse');
      assert.equal(pod.requestObject.metadata.managedFields, undefined);
      assert.deepEqual(pod.responseObject.data, { a: 'Yg==' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it('defaults to Metadata for everything', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'k8ts-audit-'));
    try {
      const logPath = join(dir, 'audit.log');
      const log = new AuditLogger({ logPath });
      for (let i = 0; i < 250; i++) log.record(event({ auditID: `id-${i}` }));
      await log.close();
      const lines = readFileSync(logPath, 'utf8').trim().split('\n');
      assert.equal(lines.length, 250);
      assert.equal(JSON.parse(lines[0]!).level, 'Metadata');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
