// kubectl flows beyond the seed manifests: discovery, explain, typed `create` commands (protobuf bodies),
// scale/label/annotate, watch output, and the error texts kubectl users know from upstream.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import YAML from 'yaml';
import { httpsGet, readKubeconfig, useCluster, type Cluster } from '../support/cluster.js';

const NS = 'api-basics-e2e';

let cluster: Cluster;
let scratch: string;

before(async () => {
  cluster = await useCluster();
  scratch = mkdtempSync(path.join(os.tmpdir(), 'k8ts-basics-'));
  // JSON apply, not `create namespace` (protobuf), so that one missing feature does not fail every test
  await cluster.kubectl(['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } }) });
});

after(async () => {
  if (cluster) {
    await cluster.kubectl(['delete', 'namespace', NS, '--ignore-not-found', '--wait=false'], { allowFail: true });
    await cluster.stop();
  }
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

const k = (args: string[], input?: string) => cluster.kubectl(args, { input });
const kFail = async (args: string[], input?: string) => {
  const r = await cluster.kubectl(args, { input, allowFail: true });
  assert.notEqual(r.code, 0, `kubectl ${args.join(' ')} should fail; stdout: ${r.stdout}`);
  return r;
};
const json = (o: unknown) => JSON.stringify(o);

test('api-resources lists upstream names, short names, groups and scope', async () => {
  const { stdout } = await k(['api-resources']);
  const rows: Array<[string, string, string, string, string]> = [
    ['configmaps', 'cm', 'v1', 'true', 'ConfigMap'],
    ['namespaces', 'ns', 'v1', 'false', 'Namespace'],
    ['nodes', 'no', 'v1', 'false', 'Node'],
    ['pods', 'po', 'v1', 'true', 'Pod'],
    ['services', 'svc', 'v1', 'true', 'Service'],
    ['serviceaccounts', 'sa', 'v1', 'true', 'ServiceAccount'],
    ['persistentvolumeclaims', 'pvc', 'v1', 'true', 'PersistentVolumeClaim'],
    ['deployments', 'deploy', 'apps/v1', 'true', 'Deployment'],
    ['replicasets', 'rs', 'apps/v1', 'true', 'ReplicaSet'],
    ['statefulsets', 'sts', 'apps/v1', 'true', 'StatefulSet'],
    ['daemonsets', 'ds', 'apps/v1', 'true', 'DaemonSet'],
    ['cronjobs', 'cj', 'batch/v1', 'true', 'CronJob'],
    ['ingresses', 'ing', 'networking.k8s.io/v1', 'true', 'Ingress'],
    ['storageclasses', 'sc', 'storage.k8s.io/v1', 'false', 'StorageClass'],
  ];
  for (const [name, short, gv, namespaced, kind] of rows) {
    assert.match(stdout, new RegExp(`^${name}\\s+${short}\\s+${gv.replace(/\./g, '\\.')}\\s+${namespaced}\\s+${kind}\\s*$`, 'm'),
      `row for ${name}`);
  }
  assert.match(stdout, /^secrets\s+v1\s+true\s+Secret\s*$/m);
});

test('typed create commands (protobuf bodies) and get by short name', async () => {
  assert.match((await k(['create', 'configmap', 'cm1', '-n', NS, '--from-literal=a=1'])).stdout, /^configmap\/cm1 created$/m);
  assert.equal((await k(['get', 'cm', 'cm1', '-n', NS, '-o', 'jsonpath={.data.a}'])).stdout, '1');

  assert.match((await k(['create', 'secret', 'generic', 's1', '-n', NS, '--from-literal=password=hunter2'])).stdout,
    /^secret\/s1 created$/m);
  const secret = JSON.parse((await k(['get', 'secret', 's1', '-n', NS, '-o', 'json'])).stdout);
  assert.equal(secret.data.password, Buffer.from('hunter2').toString('base64'));
  assert.equal(secret.type, 'Opaque');

  assert.match((await k(['create', 'deployment', 'web', '-n', NS, '--image=nginx', '--replicas=2'])).stdout,
    /^deployment\.apps\/web created$/m);
  const deploy = JSON.parse((await k(['get', 'deploy', 'web', '-n', NS, '-o', 'json'])).stdout);
  assert.equal(deploy.spec.replicas, 2);
  assert.deepEqual(deploy.spec.selector.matchLabels, { app: 'web' });
  assert.equal(deploy.spec.strategy.type, 'RollingUpdate');

  assert.match((await k(['create', 'namespace', 'api-basics-ns2'])).stdout, /^namespace\/api-basics-ns2 created$/m);
  assert.match((await k(['get', 'ns', 'api-basics-ns2', '-o', 'jsonpath={.status.phase}'])).stdout, /^Active$/);
  await k(['delete', 'namespace', 'api-basics-ns2', '--wait=false']);
});

test('get all lists the workload category', async () => {
  await k(['create', 'deployment', 'all-web', '-n', NS, '--image=nginx']);
  const { stdout } = await k(['get', 'all', '-n', NS]);
  assert.match(stdout, /^deployment\.apps\/all-web\s/m);
  assert.doesNotMatch(stdout, /configmap/, 'configmaps are not in category all');
});

test('explain deployment.spec.strategy', async () => {
  const { stdout } = await k(['explain', 'deployment.spec.strategy']);
  assert.match(stdout, /^GROUP:\s+apps$/m);
  assert.match(stdout, /^KIND:\s+Deployment$/m);
  assert.match(stdout, /^VERSION:\s+v1$/m);
  assert.match(stdout, /^FIELD: strategy <DeploymentStrategy>$/m);
  assert.match(stdout, /rollingUpdate\s+<RollingUpdateDeployment>/);
  assert.match(stdout, /type\s+<string>/);
});

test('scale, label and annotate', async () => {
  await k(['create', 'deployment', 'scaled', '-n', NS, '--image=nginx']);
  assert.match((await k(['scale', 'deployment/scaled', '-n', NS, '--replicas=3'])).stdout, /^deployment\.apps\/scaled scaled$/m);
  assert.equal((await k(['get', 'deploy', 'scaled', '-n', NS, '-o', 'jsonpath={.spec.replicas}'])).stdout, '3');

  await k(['create', 'configmap', 'lab', '-n', NS]);
  assert.match((await k(['label', 'cm', 'lab', '-n', NS, 'tier=backend'])).stdout, /^configmap\/lab labeled$/m);
  const selected = (await k(['get', 'cm', '-n', NS, '-l', 'tier=backend', '-o', 'name'])).stdout.trim();
  assert.equal(selected, 'configmap/lab');
  assert.match((await k(['annotate', 'cm', 'lab', '-n', NS, 'note=hello'])).stdout, /^configmap\/lab annotated$/m);
  assert.equal((await k(['get', 'cm', 'lab', '-n', NS, '-o', 'jsonpath={.metadata.annotations.note}'])).stdout, 'hello');
  assert.match((await k(['label', 'cm', 'lab', '-n', NS, 'tier-'])).stdout, /^configmap\/lab unlabeled$/m);
});

test('get -w prints event lines', async () => {
  await k(['create', 'configmap', 'w0', '-n', NS]);
  const watch = cluster.kubectlStream(['get', 'cm', '-n', NS, '-w', '--output-watch-events', '--request-timeout=60s']);
  try {
    await watch.waitForLine(/^EVENT\s+NAME\s+DATA\s+AGE$/);
    await watch.waitForLine(/^ADDED\s+w0\s+0\s/);
    await k(['create', 'configmap', 'w1', '-n', NS, '--from-literal=x=y']);
    await watch.waitForLine(/^ADDED\s+w1\s+1\s/);
    await k(['label', 'cm', 'w1', '-n', NS, 'seen=yes']);
    await watch.waitForLine(/^MODIFIED\s+w1\s/);
    await k(['delete', 'cm', 'w1', '-n', NS]);
    await watch.waitForLine(/^DELETED\s+w1\s/);
    const w0Rows = watch.lines.filter((l) => /^ADDED\s+w0\s/.test(l));
    assert.equal(w0Rows.length, 1, 'each existing object is listed once (the watch resumes from the list resourceVersion)');
  } finally {
    await watch.stop();
  }
});

test('404 NotFound text', async () => {
  const r = await kFail(['get', 'cm', 'nope', '-n', NS]);
  assert.equal(r.stderr.trim(), 'Error from server (NotFound): configmaps "nope" not found');
  const d = await kFail(['get', 'deploy', 'nope', '-n', NS]);
  assert.equal(d.stderr.trim(), 'Error from server (NotFound): deployments.apps "nope" not found');
});

test('409 AlreadyExists', async () => {
  await k(['create', 'configmap', 'twice', '-n', NS]);
  const r = await kFail(['create', 'configmap', 'twice', '-n', NS]);
  assert.match(r.stderr, /^error: failed to create configmap: configmaps "twice" already exists$/m);
  const f = await kFail(['create', '-n', NS, '-f', '-'], json({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'twice' } }));
  assert.match(f.stderr, /^Error from server \(AlreadyExists\): error when creating "STDIN": configmaps "twice" already exists$/m);
});

test('422 Invalid names the field', async () => {
  const r = await kFail(['create', '-n', NS, '-f', '-'], json({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'X_Y' } }));
  assert.match(r.stderr, /The ConfigMap "X_Y" is invalid: metadata\.name: Invalid value: "X_Y": a lowercase RFC 1123 subdomain must consist of/);
  const d = await kFail(['create', '-n', NS, '-f', '-'], json({
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'bad' },
    spec: { replicas: -1, selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'c' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } },
  }));
  assert.match(d.stderr, /The Deployment "bad" is invalid: /);
  assert.match(d.stderr, /spec\.replicas: Invalid value: -1: must be greater than or equal to 0/);
  assert.match(d.stderr, /spec\.template\.metadata\.labels: Invalid value: .*`selector` does not match template `labels`/);
});

test('400 unknown field with --validate=strict', async () => {
  const r = await kFail(['create', '--validate=strict', '-n', NS, '-f', '-'],
    json({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'strict' }, bogus: 1 }));
  assert.match(r.stderr, /^Error from server \(BadRequest\): error when creating "STDIN": ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: unknown field "bogus"$/m);
  const warn = await k(['create', '--validate=warn', '-n', NS, '-f', '-'],
    json({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'lenient' }, bogus: 1 }));
  assert.match(warn.stderr, /Warning: unknown field "bogus"/);
  assert.match(warn.stdout, /^configmap\/lenient created$/m);
});

test('409 Conflict on a stale replace', async () => {
  await k(['create', 'configmap', 'stale', '-n', NS, '--from-literal=v=1']);
  const old = JSON.parse((await k(['get', 'cm', 'stale', '-n', NS, '-o', 'json'])).stdout);
  await k(['annotate', 'cm', 'stale', '-n', NS, 'bump=1']);
  old.data.v = '2';
  const r = await kFail(['replace', '-f', '-'], json(old));
  assert.match(r.stderr, /^Error from server \(Conflict\): error when replacing "STDIN": Operation cannot be fulfilled on configmaps "stale": the object has been modified; please apply your changes to the latest version and try again$/m);
  assert.equal((await k(['get', 'cm', 'stale', '-n', NS, '-o', 'jsonpath={.data.v}'])).stdout, '1');
});

function writeKubeconfig(name: string, user: Record<string, unknown>): string {
  const creds = readKubeconfig(cluster.kubeconfig);
  const clusterEntry: Record<string, unknown> = { server: creds.server };
  if (creds.ca) clusterEntry['certificate-authority-data'] = creds.ca.toString('base64');
  else clusterEntry['insecure-skip-tls-verify'] = true;
  const file = path.join(scratch, `${name}.yaml`);
  writeFileSync(file, YAML.stringify({
    apiVersion: 'v1', kind: 'Config',
    clusters: [{ name: 'k8ts', cluster: clusterEntry }],
    users: [{ name, user }],
    contexts: [{ name, context: { cluster: 'k8ts', user: name } }],
    'current-context': name,
  }));
  return file;
}

test('401 Unauthorized without valid credentials', async () => {
  const badToken = writeKubeconfig('bad-token', { token: 'not-a-valid-token' });
  const r = await cluster.kubectl(['get', 'pods', '-n', NS], { kubeconfig: badToken, allowFail: true });
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /error: You must be logged in to the server \(Unauthorized\)/);

  // With no credentials at all kubectl prompts for a user name and password (it reads the answers from a
  // terminal, so it cannot be driven here); ask the server directly instead.
  const creds = readKubeconfig(cluster.kubeconfig);
  const anon = await httpsGet({ ...creds, cert: undefined, key: undefined, token: undefined }, `/api/v1/namespaces/${NS}/pods`);
  assert.equal(anon.status, 401);
  assert.deepEqual(JSON.parse(anon.body), {
    kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401,
  });
});

test('--dry-run=server does not persist', async () => {
  const r = await k(['create', 'configmap', 'dry', '-n', NS, '--from-literal=a=1', '--dry-run=server']);
  assert.match(r.stdout, /^configmap\/dry created \(server dry run\)$/m);
  const a = await k(['apply', '--dry-run=server', '-n', NS, '-f', '-'], json({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'dry2' } }));
  assert.match(a.stdout, /^configmap\/dry2 created \(server dry run\)$/m);
  for (const name of ['dry', 'dry2']) {
    const g = await kFail(['get', 'cm', name, '-n', NS]);
    assert.match(g.stderr, /\(NotFound\)/);
  }
});

test('objects in a missing namespace are refused with NotFound', async () => {
  const r = await kFail(['create', 'configmap', 'x', '-n', 'no-such-namespace']);
  assert.match(r.stderr, /namespaces "no-such-namespace" not found/);
  const a = await kFail(['apply', '-n', 'no-such-namespace', '-f', '-'], json({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } }));
  assert.match(a.stderr, /Error from server \(NotFound\): .*namespaces "no-such-namespace" not found/);
});

test('a Secret with bad base64 data is refused', async () => {
  const r = await kFail(['apply', '-n', NS, '-f', '-'],
    json({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'badb64' }, data: { k: 'not base64!!' } }));
  assert.match(r.stderr, /Error from server \(BadRequest\)/);
  assert.match(r.stderr, /illegal base64 data at input byte/);
  assert.match((await kFail(['get', 'secret', 'badb64', '-n', NS])).stderr, /\(NotFound\)/);
});

test('Service IP and nodePort allocation; a duplicate nodePort is refused', async () => {
  await k(['apply', '-n', NS, '-f', '-'], json({
    apiVersion: 'v1', kind: 'Service', metadata: { name: 'cip' },
    spec: { selector: { app: 'x' }, ports: [{ port: 80, targetPort: 8080 }] },
  }));
  const cip = JSON.parse((await k(['get', 'svc', 'cip', '-n', NS, '-o', 'json'])).stdout);
  assert.match(cip.spec.clusterIP, /^10\.43\.\d{1,3}\.\d{1,3}$/);
  assert.deepEqual(cip.spec.clusterIPs, [cip.spec.clusterIP]);
  assert.equal(cip.spec.type, 'ClusterIP');
  assert.equal(cip.spec.ports[0].protocol, 'TCP');
  assert.notEqual(cip.spec.clusterIP, '10.43.0.1', 'reserved for the kubernetes Service');

  assert.match((await k(['create', 'service', 'nodeport', 'np1', '-n', NS, '--tcp=80:8080'])).stdout, /^service\/np1 created$/m);
  const np1 = JSON.parse((await k(['get', 'svc', 'np1', '-n', NS, '-o', 'json'])).stdout);
  const nodePort = np1.spec.ports[0].nodePort as number;
  assert.ok(nodePort >= 30000 && nodePort <= 32767, `nodePort ${nodePort} in 30000-32767`);

  const r = await kFail(['apply', '-n', NS, '-f', '-'], json({
    apiVersion: 'v1', kind: 'Service', metadata: { name: 'np2' },
    spec: { type: 'NodePort', selector: { app: 'x' }, ports: [{ port: 80, nodePort }] },
  }));
  assert.match(r.stderr, new RegExp(`The Service "np2" is invalid: spec\\.ports\\[0\\]\\.nodePort: Invalid value: ${nodePort}: provided port is already allocated`));
  const ranged = await kFail(['apply', '-n', NS, '-f', '-'], json({
    apiVersion: 'v1', kind: 'Service', metadata: { name: 'np3' },
    spec: { type: 'NodePort', selector: { app: 'x' }, ports: [{ port: 80, nodePort: 80 }] },
  }));
  assert.match(ranged.stderr, /spec\.ports\[0\]\.nodePort: Invalid value: 80: provided port is not in the valid range\. The range of valid ports is 30000-32767/);
});
