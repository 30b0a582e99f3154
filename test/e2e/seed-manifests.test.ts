// Every manifest of the study guide, driven through the real kubectl: accepted ones go through the whole
// declarative life cycle (apply, re-apply, edit, get, describe, watch, four kinds of patch, delete);
// rejected ones must fail the way upstream v1.32 fails them (see test/fixtures/seed/index.json).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import YAML from 'yaml';
import { repoRoot, useCluster, type Cluster } from '../support/cluster.js';

interface SeedError {
  kind: 'Invalid' | 'BadRequest' | 'ClientError';
  fields?: string[];
  unknownField?: string;
  message?: string;
}

interface SeedManifest {
  file: string;
  apiVersion: string;
  kind: string;
  name: string | null;
  namespace: string | null;
  accepted: boolean;
  error?: SeedError;
  /**
   * What a second apply of the unchanged file prints: "unchanged", except for manifests whose
   * quantities are not canonical (cpu: 0.1), where upstream kubectl prints "configured" every time
   * because the server stores "100m" (kubernetes/kubernetes#116135).
   */
  reapply?: 'unchanged' | 'configured';
}

const seedDir = path.join(repoRoot(), 'test', 'fixtures', 'seed');
const index = JSON.parse(readFileSync(path.join(seedDir, 'index.json'), 'utf8')) as { manifests: SeedManifest[] };

let cluster: Cluster;
let scratch: string;

before(async () => {
  cluster = await useCluster();
  scratch = mkdtempSync(path.join(os.tmpdir(), 'k8ts-seed-'));
});

const createdNamespaces = new Set<string>();

/**
 * Creates a manifest's namespace just before its first use, not up front: 03-namespace-shield.yaml is
 * itself a (rejected) Namespace, and must be tried while no such namespace exists.
 */
async function ensureNamespace(m: SeedManifest): Promise<void> {
  const ns = m.namespace;
  if (!ns || ns === 'default' || createdNamespaces.has(ns)) return;
  // JSON apply, not `create namespace` (protobuf), so one missing feature does not fail every manifest
  await cluster.kubectl(['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }) });
  createdNamespaces.add(ns);
}

after(async () => {
  if (cluster) {
    if (createdNamespaces.size) {
      await cluster.kubectl(['delete', 'namespace', ...createdNamespaces, '--ignore-not-found', '--wait=false'], { allowFail: true });
    }
    await cluster.stop();
  }
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

/** `kind.group/name` as kubectl understands it, e.g. deployment.apps/hello-deploy */
function resourceRef(m: SeedManifest): string {
  const slash = m.apiVersion.indexOf('/');
  const group = slash < 0 ? '' : m.apiVersion.slice(0, slash);
  return `${m.kind.toLowerCase()}${group ? `.${group}` : ''}/${m.name}`;
}

function nsArgs(m: SeedManifest): string[] {
  return m.namespace ? ['-n', m.namespace] : [];
}

/** kubectl's one-line apply/patch/delete message, e.g. `deployment.apps/hello-deploy created` */
function expectAction(stdout: string, action: string): void {
  assert.match(stdout, new RegExp(`\\b${action}\\b`), `expected "${action}" in: ${stdout}`);
}

/** Writes a copy of the manifest with extra labels, for edits and server-side apply. */
function labelledCopy(m: SeedManifest, suffix: string, labels: Record<string, string>): string {
  const obj = YAML.parse(readFileSync(path.join(seedDir, m.file), 'utf8'));
  obj.metadata ??= {};
  obj.metadata.labels = { ...(obj.metadata.labels ?? {}), ...labels };
  const file = path.join(scratch, `${path.basename(m.file, '.yaml')}-${suffix}.yaml`);
  writeFileSync(file, YAML.stringify(obj));
  return file;
}

async function getObject(m: SeedManifest): Promise<any> {
  const r = await cluster.kubectl(['get', resourceRef(m), ...nsArgs(m), '-o', 'yaml']);
  return YAML.parse(r.stdout);
}

/**
 * ServiceAccount admission adds the kube-api-access-* volume (and its mounts) to every pod. When the
 * manifest lists volumes, the live list is then longer than the manifest's, and kubectl's three-way
 * diff (apimachinery strategicpatch: diffLists emits `$setElementOrder/volumes` whenever isOrderSame,
 * which compares lengths first, says no) sends a non-empty patch, so upstream kubectl prints
 * "configured" on every re-apply of such a pod too. The patch changes nothing on the server.
 */
function podWithVolumes(file: string): boolean {
  const obj = YAML.parse(readFileSync(file, 'utf8'));
  return obj?.kind === 'Pod' && Array.isArray(obj.spec?.volumes) && obj.spec.volumes.length > 0;
}

async function lifeCycle(m: SeedManifest, t: import('node:test').TestContext): Promise<void> {
  const file = path.join(seedDir, m.file);
  const ref = resourceRef(m);
  const ns = nsArgs(m);

  await t.test('apply creates', async () => {
    expectAction((await cluster.kubectl(['apply', '-f', file])).stdout, 'created');
  });
  const reapply = m.reapply ?? (podWithVolumes(file) ? 'configured' : 'unchanged');
  await t.test(`re-apply is ${reapply}`, async () => {
    expectAction((await cluster.kubectl(['apply', '-f', file])).stdout, reapply);
  });
  await t.test('apply of an edited copy configures', async () => {
    const edited = labelledCopy(m, 'edited', { 'k8ts-e2e': 'edited' });
    expectAction((await cluster.kubectl(['apply', '-f', edited])).stdout, 'configured');
    const obj = await getObject(m);
    assert.equal(obj.metadata.labels?.['k8ts-e2e'], 'edited');
    assert.equal(obj.kind, m.kind);
    assert.equal(obj.metadata.name, m.name);
    assert.ok(obj.metadata.resourceVersion, 'resourceVersion set');
    assert.ok(obj.metadata.uid, 'uid set');
    assert.ok(obj.metadata.creationTimestamp, 'creationTimestamp set');
  });
  await t.test('get prints a table row', async () => {
    const r = await cluster.kubectl(['get', ref, ...ns]);
    const lines = r.stdout.trim().split('\n');
    assert.match(lines[0] ?? '', /^NAME\s/);
    assert.ok(lines.some((l) => l.startsWith(`${m.name} `)), r.stdout);
  });
  await t.test('describe succeeds', async () => {
    const r = await cluster.kubectl(['describe', ref, ...ns]);
    assert.match(r.stdout, new RegExp(`^Name:\\s+${m.name}$`, 'm'));
  });
  await t.test('get -w sees an update', async () => {
    const watch = cluster.kubectlStream(['get', ref, ...ns, '-w', '--output-watch-events', '--request-timeout=30s']);
    try {
      await watch.waitForLine(new RegExp(`^ADDED\\s+${m.name}\\s`));
      await cluster.kubectl(['annotate', ref, ...ns, 'k8ts-e2e/watched=yes', '--overwrite']);
      await watch.waitForLine(new RegExp(`^MODIFIED\\s+${m.name}\\s`));
    } finally {
      await watch.stop();
    }
  });
  await t.test('patch --type=strategic', async () => {
    const r = await cluster.kubectl(['patch', ref, ...ns, '--type=strategic', '-p', '{"metadata":{"labels":{"patch-strategic":"yes"}}}']);
    expectAction(r.stdout, 'patched');
    assert.equal((await getObject(m)).metadata.labels['patch-strategic'], 'yes');
  });
  await t.test('patch --type=merge', async () => {
    const r = await cluster.kubectl(['patch', ref, ...ns, '--type=merge', '-p', '{"metadata":{"labels":{"patch-merge":"yes"}}}']);
    expectAction(r.stdout, 'patched');
    const labels = (await getObject(m)).metadata.labels;
    assert.equal(labels['patch-merge'], 'yes');
    assert.equal(labels['patch-strategic'], 'yes', 'earlier labels kept');
  });
  await t.test('patch --type=json', async () => {
    const r = await cluster.kubectl(['patch', ref, ...ns, '--type=json', '-p',
      '[{"op":"add","path":"/metadata/labels/patch-json","value":"yes"},{"op":"remove","path":"/metadata/labels/patch-merge"}]']);
    expectAction(r.stdout, 'patched');
    const labels = (await getObject(m)).metadata.labels;
    assert.equal(labels['patch-json'], 'yes');
    assert.equal(labels['patch-merge'], undefined);
  });
  await t.test('apply --server-side --force-conflicts', async () => {
    const ssa = labelledCopy(m, 'ssa', { 'k8ts-e2e': 'server-side' });
    const r = await cluster.kubectl(['apply', '--server-side', '--force-conflicts', '-f', ssa]);
    expectAction(r.stdout, 'serverside-applied');
    const obj = await getObject(m);
    assert.equal(obj.metadata.labels['k8ts-e2e'], 'server-side');
    const managers = await cluster.kubectl(['get', ref, ...ns, '--show-managed-fields', '-o', 'json']);
    const fields = (JSON.parse(managers.stdout).metadata.managedFields ?? []) as Array<{ manager: string; operation: string }>;
    assert.ok(fields.some((f) => f.manager === 'kubectl' && f.operation === 'Apply'), JSON.stringify(fields));
  });
  await t.test('delete -f deletes, then get is NotFound', async () => {
    expectAction((await cluster.kubectl(['delete', '-f', file, '--timeout=60s'])).stdout, 'deleted');
    const r = await cluster.kubectl(['get', ref, ...ns], { allowFail: true });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /Error from server \(NotFound\): .* not found/);
  });
}

async function rejection(m: SeedManifest): Promise<void> {
  const file = path.join(seedDir, m.file);
  const r = await cluster.kubectl(['apply', '-f', file], { allowFail: true });
  assert.notEqual(r.code, 0, `apply should fail; stdout: ${r.stdout}`);
  const err = m.error!;
  switch (err.kind) {
    case 'Invalid':
      assert.match(r.stderr, new RegExp(`The ${m.kind} ".*" is invalid`), r.stderr);
      for (const f of err.fields ?? []) assert.ok(r.stderr.includes(`${f}: `), `expected field ${f} in: ${r.stderr}`);
      break;
    case 'BadRequest':
      assert.match(r.stderr, /Error from server \(BadRequest\)/, r.stderr);
      assert.ok(r.stderr.includes(`unknown field "${err.unknownField}"`), r.stderr);
      break;
    case 'ClientError':
      assert.ok(r.stderr.includes(err.message!), `expected "${err.message}" in: ${r.stderr}`);
      assert.doesNotMatch(r.stderr, /Error from server/);
      break;
  }
  if (err.kind !== 'ClientError' && m.name && /^[a-z0-9.-]+$/.test(m.name)) {
    const get = await cluster.kubectl(['get', resourceRef(m), ...nsArgs(m)], { allowFail: true });
    assert.match(get.stderr, /\(NotFound\)/, 'a rejected object must not be stored');
  }
}

for (const m of index.manifests) {
  if (m.accepted) {
    test(`${m.file} is accepted and goes through its life cycle`, async (t) => {
      try {
        await ensureNamespace(m);
        await lifeCycle(m, t);
      } finally {
        // never leave it behind for the next manifest (two seed Services share nodePort 30001)
        await cluster.kubectl(['delete', '-f', path.join(seedDir, m.file), '--ignore-not-found', '--timeout=60s'], { allowFail: true });
      }
    });
  } else {
    test(`${m.file} is rejected with ${m.error!.kind}`, async () => {
      await ensureNamespace(m);
      await rejection(m);
    });
  }
}
