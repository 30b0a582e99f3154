// Persistent storage on a real node, driven by the real kubectl: the seed's pvc-prem/volpod flow
// with a WaitForFirstConsumer class of the built-in local-path driver, data outliving pods,
// Retain and Delete reclaim (data kept vs. removed from the node's disk), a StatefulSet keeping
// per-replica data, a static hostPath volume, a claim deletion deferred while a pod uses it, and
// StorageClass immutability. Namespaces, classes and volumes carry a per-run suffix and are removed.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { nodeClusterUnavailable, useNodeCluster, type NodeCluster } from '../../support/node-cluster.js';
import { PodNamespace, podManifest, sh, sleep, waitFor, type Json } from './pod-helpers.js';

const skip = nodeClusterUnavailable();
let cluster: NodeCluster;
let ns: PodNamespace;
const SFX = `${process.pid}-${Math.floor(Math.random() * 1e5)}`;
const WFFC = `premium-rwo-${SFX}`;
const RETAIN = `keep-${SFX}`;
const STATIC = `manual-${SFX}`;
const staticDir = mkdtempSync(path.join(tmpdir(), 'k8ts-e2e-static-'));
const staticPV = `static-${SFX}`;
const volumesToDelete: string[] = [];

const storageClass = (name: string, reclaimPolicy: string): Json => ({
  apiVersion: 'storage.k8s.io/v1',
  kind: 'StorageClass',
  metadata: { name },
  provisioner: 'rancher.io/local-path',
  volumeBindingMode: 'WaitForFirstConsumer',
  reclaimPolicy,
  allowVolumeExpansion: true,
});

const claim = (name: string, cls: string | undefined, size = '10Gi', extra: Json = {}): Json => ({
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: { name },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: size } }, ...(cls ? { storageClassName: cls } : {}), ...extra },
});

/** The seed's volpod, on busybox: mounts the claim at /data, runs script. */
const volpod = (name: string, claimName: string, script: string): Json =>
  podManifest(name, { volumes: [{ name: 'data', persistentVolumeClaim: { claimName } }], containers: [sh('ctr', script, { volumeMounts: [{ mountPath: '/data', name: 'data' }] })] });

const storageDir = () => path.join(cluster.dataDir, 'storage');

before(async () => {
  if (skip) return;
  cluster = await useNodeCluster();
  ns = await PodNamespace.create(cluster, 'e2e-storage');
  await cluster.kubectl(['apply', '-f', '-'], { input: [storageClass(WFFC, 'Delete'), storageClass(RETAIN, 'Retain')].map((o) => JSON.stringify(o)).join('\n') });
});

after(async () => {
  if (skip || !cluster) return;
  try {
    if (ns) await ns.destroy();
    for (const pv of [...volumesToDelete, staticPV]) await cluster.kubectl(['delete', 'pv', pv, '--ignore-not-found', '--wait=false'], { allowFail: true });
    await cluster.kubectl(['delete', 'storageclass', WFFC, RETAIN, '--ignore-not-found'], { allowFail: true });
    rmSync(staticDir, { recursive: true, force: true });
  } finally {
    await cluster.stop();
  }
});

async function pvcRow(name: string): Promise<string[]> {
  const r = await ns.k(['get', 'pvc', name, '--no-headers']);
  return r.stdout.trim().split(/\s+/);
}

async function waitPvcStatus(name: string, status: string, timeoutMs = 60_000): Promise<string[]> {
  return waitFor(`pvc ${name} ${status}`, async () => {
    const row = await pvcRow(name);
    if (row[1] === status) return row;
    throw new Error(row.join(' '));
  }, timeoutMs, 250);
}

async function gone(args: string[], what: string, timeoutMs = 60_000): Promise<void> {
  await waitFor(what, async () => {
    const r = await cluster.kubectl(['get', ...args, '--no-headers'], { allowFail: true });
    if (r.code !== 0 && /NotFound|not found/.test(r.stderr)) return true;
    throw new Error(r.stdout.trim() || r.stderr.trim());
  }, timeoutMs, 500);
}

describe('persistent storage on a real node', { skip }, () => {
  test('pvc-prem/volpod: Pending until a pod uses it, then provisioned; data outlives the pod; Delete removes PV and data', async () => {
    await ns.apply(claim('pvc-prem', WFFC));
    const pending = await pvcRow('pvc-prem');
    assert.equal(pending[1], 'Pending');
    await sleep(2000);
    assert.equal((await pvcRow('pvc-prem'))[1], 'Pending', 'WaitForFirstConsumer: no volume before a pod');
    const events = await ns.events('PersistentVolumeClaim/pvc-prem');
    assert.ok(events.some((e) => e.reason === 'WaitForFirstConsumer'), JSON.stringify(events.map((e) => e.reason)));

    await ns.apply(volpod('volpod', 'pvc-prem', 'echo persisted > /data/hello; sleep 3600'));
    await ns.waitStatus('volpod', /^Running$/, 90_000);
    const row = await waitPvcStatus('pvc-prem', 'Bound');
    const pvc = await ns.json('pvc/pvc-prem');
    const volume = pvc.spec.volumeName as string;
    assert.equal(volume, `pvc-${pvc.metadata.uid}`);
    // NAME STATUS VOLUME CAPACITY ACCESS MODES STORAGECLASS VOLUMEATTRIBUTESCLASS AGE
    assert.deepEqual(row.slice(0, 6), ['pvc-prem', 'Bound', volume, '10Gi', 'RWO', WFFC]);
    const pvRow = (await cluster.kubectl(['get', 'pv', volume, '--no-headers'])).stdout.trim().split(/\s+/);
    // NAME CAPACITY ACCESS MODES RECLAIM POLICY STATUS CLAIM STORAGECLASS ...
    assert.deepEqual(pvRow.slice(0, 7), [volume, '10Gi', 'RWO', 'Delete', 'Bound', `${ns.name}/pvc-prem`, WFFC]);
    const header = (await cluster.kubectl(['get', 'pv', volume])).stdout.split('\n')[0]!;
    assert.match(header, /^NAME\s+CAPACITY\s+ACCESS MODES\s+RECLAIM POLICY\s+STATUS\s+CLAIM\s+STORAGECLASS\s+VOLUMEATTRIBUTESCLASS\s+REASON\s+AGE$/);
    const pod = await ns.pod('volpod');
    const pv = JSON.parse((await cluster.kubectl(['get', 'pv', volume, '-o', 'json'])).stdout) as Json;
    assert.deepEqual(pv.spec.nodeAffinity.required.nodeSelectorTerms[0].matchExpressions[0].values, [pod.spec.nodeName]);
    const dir = pv.spec.hostPath.path as string;
    assert.equal(dir, path.join(storageDir(), `${volume}_${ns.name}_pvc-prem`));
    await waitFor('file on the node', async () => (existsSync(path.join(dir, 'hello')) ? true : undefined), 20_000);
    assert.equal(readFileSync(path.join(dir, 'hello'), 'utf8'), 'persisted\n');

    await ns.k(['delete', 'pod', 'volpod', '--wait=true']);
    assert.equal((await pvcRow('pvc-prem'))[1], 'Bound', 'the claim outlives its pod');
    await ns.apply(volpod('volpod', 'pvc-prem', 'cat /data/hello; sleep 3600'));
    await ns.waitLogs(['volpod'], /^persisted$/m, 90_000);

    await ns.k(['delete', 'pod', 'volpod', '--wait=true']);
    await ns.k(['delete', 'pvc', 'pvc-prem', '--wait=true']);
    await gone(['pv', volume], `pv ${volume} deleted`);
    assert.equal(existsSync(dir), false, 'Delete: the data directory is removed from the node');
  });

  test('Retain: the volume is Released with its data kept', async () => {
    await ns.apply(claim('kept', RETAIN, '1Gi'));
    await ns.apply(volpod('writer', 'kept', 'echo keep-me > /data/f; sleep 3600'));
    await ns.waitStatus('writer', /^Running$/, 90_000);
    const volume = (await ns.json('pvc/kept')).spec.volumeName as string;
    volumesToDelete.push(volume);
    await ns.k(['delete', 'pod', 'writer', '--wait=true']);
    await ns.k(['delete', 'pvc', 'kept', '--wait=true']);
    const pv = await waitFor('Released', async () => {
      const o = JSON.parse((await cluster.kubectl(['get', 'pv', volume, '-o', 'json'])).stdout) as Json;
      return o.status.phase === 'Released' ? o : undefined;
    }, 30_000);
    await sleep(3000);
    assert.equal((JSON.parse((await cluster.kubectl(['get', 'pv', volume, '-o', 'json'])).stdout) as Json).status.phase, 'Released');
    assert.equal(readFileSync(path.join(pv.spec.hostPath.path, 'f'), 'utf8'), 'keep-me\n');
    // Clean up what Retain keeps: the admin deletes the volume and its directory.
    await cluster.kubectl(['delete', 'pv', volume]);
    rmSync(pv.spec.hostPath.path, { recursive: true, force: true });
  });

  test('a claim a running pod uses is deleted only after the pod is gone', async () => {
    await ns.apply(claim('busy', WFFC, '1Gi'));
    await ns.apply(volpod('user', 'busy', 'sleep 3600'));
    await ns.waitStatus('user', /^Running$/, 90_000);
    const volume = (await ns.json('pvc/busy')).spec.volumeName as string;
    await ns.k(['delete', 'pvc', 'busy', '--wait=false']);
    await waitPvcStatus('busy', 'Terminating', 10_000);
    await sleep(2000);
    assert.equal((await pvcRow('busy'))[1], 'Terminating', 'still protected while the pod runs');
    assert.equal((await ns.row('user')).status, 'Running');
    const pv = JSON.parse((await cluster.kubectl(['get', 'pv', volume, '-o', 'json'])).stdout) as Json;
    assert.equal(pv.status.phase, 'Bound');
    await ns.k(['delete', 'pod', 'user', '--wait=true']);
    await gone(['pvc', 'busy', '-n', ns.name], 'pvc busy deleted');
    await gone(['pv', volume], `pv ${volume} deleted`);
  });

  test('a static hostPath volume binds statically and serves its data', async () => {
    writeFileSync(path.join(staticDir, 'seeded'), 'from the admin\n');
    await cluster.kubectl(['apply', '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'v1',
        kind: 'PersistentVolume',
        metadata: { name: staticPV },
        spec: { capacity: { storage: '2Gi' }, accessModes: ['ReadWriteOnce'], storageClassName: STATIC, persistentVolumeReclaimPolicy: 'Retain', hostPath: { path: staticDir, type: 'Directory' } },
      }),
    });
    await ns.apply(claim('static', STATIC, '1Gi'));
    const row = await waitPvcStatus('static', 'Bound', 30_000);
    assert.deepEqual(row.slice(0, 5), ['static', 'Bound', staticPV, '2Gi', 'RWO']);
    await ns.apply(volpod('reader', 'static', 'cat /data/seeded; sleep 3600'));
    await ns.waitLogs(['reader'], /^from the admin$/m, 90_000);
    await ns.k(['delete', 'pod', 'reader', '--wait=true']);
    await ns.k(['delete', 'pvc', 'static', '--wait=true']);
    await waitFor('static PV Released', async () => ((JSON.parse((await cluster.kubectl(['get', 'pv', staticPV, '-o', 'json'])).stdout) as Json).status.phase === 'Released' ? true : undefined), 30_000);
    assert.equal(readFileSync(path.join(staticDir, 'seeded'), 'utf8'), 'from the admin\n');
  });

  test('a StatefulSet keeps each replica\'s data across pod deletion and scale down/up (default class)', async () => {
    await ns.apply({
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'web' },
      spec: {
        replicas: 2,
        serviceName: 'web',
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: {
            terminationGracePeriodSeconds: 1,
            containers: [sh('ctr', '[ -f /data/id ] || hostname > /data/id; echo boot >> /data/boots; echo "id=$(cat /data/id) boots=$(wc -l < /data/boots)"; sleep 3600', { volumeMounts: [{ name: 'data', mountPath: '/data' }] })],
          },
        },
        volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
      },
    });
    await ns.waitLogs(['web-1'], /^id=web-1 boots=1$/m, 120_000);
    await ns.waitLogs(['web-0'], /^id=web-0 boots=1$/m, 30_000);
    const c1 = await ns.json('pvc/data-web-1');
    assert.equal(c1.spec.storageClassName, 'local-path', 'the default class');
    assert.equal(c1.status.phase, 'Bound');
    const uid = (await ns.pod('web-1')).metadata.uid;
    await ns.k(['delete', 'pod', 'web-1', '--wait=true']);
    await waitFor('web-1 re-created', async () => ((await ns.pod('web-1')).metadata.uid !== uid ? true : undefined), 60_000);
    await ns.waitLogs(['web-1'], /^id=web-1 boots=2$/m, 90_000);
    await ns.k(['scale', 'statefulset', 'web', '--replicas=1']);
    await gone(['pod', 'web-1', '-n', ns.name], 'web-1 scaled away', 90_000);
    assert.equal((await pvcRow('data-web-1'))[1], 'Bound', 'the claim stays after scale-down (Retain policy)');
    await ns.k(['scale', 'statefulset', 'web', '--replicas=2']);
    await ns.waitLogs(['web-1'], /^id=web-1 boots=3$/m, 120_000);
    // local-path allows expansion: a larger request grows the claim's capacity.
    await ns.k(['patch', 'pvc', 'data-web-0', '-p', '{"spec":{"resources":{"requests":{"storage":"2Gi"}}}}']);
    await waitFor('data-web-0 expanded', async () => ((await pvcRow('data-web-0'))[3] === '2Gi' ? true : undefined), 30_000);
    await ns.k(['delete', 'statefulset', 'web', '--wait=true']);
  });

  test('updating a StorageClass\'s parameters or binding mode is refused (422)', async () => {
    const r = await cluster.kubectl(['patch', 'storageclass', WFFC, '-p', '{"parameters":{"type":"pd-ssd"}}'], { allowFail: true });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, new RegExp(`The StorageClass "${WFFC}" is invalid: parameters: Forbidden: updates to parameters are forbidden`));
    const m = await cluster.kubectl(['patch', 'storageclass', WFFC, '-p', '{"volumeBindingMode":"Immediate"}'], { allowFail: true });
    assert.notEqual(m.code, 0);
    assert.match(m.stderr, /volumeBindingMode: Invalid value: "Immediate": field is immutable/);
    const ok = await cluster.kubectl(['annotate', 'storageclass', WFFC, 'owner=e2e']);
    assert.match(ok.stdout, /annotated/);
  });

  test('the node keeps no data of deleted Delete-class volumes of this run', async () => {
    const left = existsSync(storageDir()) ? readdirSync(storageDir()).filter((d) => d.includes(`_${ns.name}_`) && !d.includes('data-web-')) : [];
    assert.deepEqual(left, []);
  });
});
