import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { decodeKubeProtobuf, formatGoDuration, formatMicroTime, formatTime, protoPackageForGroupVersion } from '../../src/api/schema/protobuf.js';
import { StatusError } from '../../src/api/errors.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/protobuf/', import.meta.url));

// ---- tiny protobuf writer for hand-built bodies ----
function varint(n: number | bigint): number[] {
  let v = BigInt.asUintN(64, BigInt(n));
  const out: number[] = [];
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v) b |= 0x80;
    out.push(b);
  } while (v);
  return out;
}
const key = (num: number, wt: number) => varint(num * 8 + wt);
const vf = (num: number, n: number | bigint) => [...key(num, 0), ...varint(n)];
const bf = (num: number, bytes: number[] | Buffer | string) => {
  const b = typeof bytes === 'string' ? [...Buffer.from(bytes)] : [...bytes];
  return [...key(num, 2), ...varint(b.length), ...b];
};
function envelope(apiVersion: string, kind: string, raw: number[]): Buffer {
  return Buffer.from([0x6b, 0x38, 0x73, 0x00, ...bf(1, [...bf(1, apiVersion), ...bf(2, kind)]), ...bf(2, raw)]);
}
const objectMeta = (name: string) => bf(1, bf(1, name));
const isBadRequest = (e: unknown) => e instanceof StatusError && e.code === 400;

test('decodes every captured kubectl body to what kubectl prints with -o json --dry-run=client', () => {
  const names = readdirSync(FIXTURES).filter((f) => f.endsWith('.bin'));
  assert.ok(names.length >= 17);
  for (const f of names) {
    const body = readFileSync(FIXTURES + f);
    const expected = JSON.parse(readFileSync(FIXTURES + f.replace(/\.bin$/, '.json'), 'utf8'));
    const got = decodeKubeProtobuf(body);
    assert.deepEqual(got.object, expected, f);
    assert.equal(got.kind, expected.kind);
    assert.equal(got.apiVersion, expected.apiVersion);
  }
});

test('pointer fields keep explicit zero values; omitempty scalars drop them', () => {
  const spec = [...vf(1, 0), ...vf(5, 0), ...vf(7, 0)]; // replicas=0 (pointer), minReadySeconds=0, paused=false
  const obj = decodeKubeProtobuf(envelope('apps/v1', 'Deployment', [...objectMeta('d'), ...bf(2, spec)])).object as any;
  assert.equal(obj.spec.replicas, 0);
  assert.ok(!('minReadySeconds' in obj.spec));
  assert.ok(!('paused' in obj.spec));
  assert.deepEqual(obj.spec.strategy, {});
  assert.deepEqual(obj.status, {});
  assert.deepEqual(obj.metadata, { name: 'd', creationTimestamp: null });
});

test('Time, MicroTime, Duration, Quantity, IntOrString, bytes and RawExtension', () => {
  // core/v1 Event: 6 firstTimestamp (Time), 10 eventTime (MicroTime)
  const ev = decodeKubeProtobuf(envelope('v1', 'Event', [...objectMeta('e'), ...bf(6, vf(1, 1700000000)), ...bf(10, [...vf(1, 1700000000), ...vf(2, 123456789)]), ...vf(8, 3)])).object as any;
  assert.equal(ev.firstTimestamp, '2023-11-14T22:13:20Z');
  assert.equal(ev.eventTime, '2023-11-14T22:13:20.123456Z');
  assert.equal(ev.lastTimestamp, null);
  assert.equal(ev.count, 3);
  // Secret data is base64; ResourceQuota hard is Quantity strings.
  const sec = decodeKubeProtobuf(envelope('v1', 'Secret', [...bf(2, [...bf(1, 'k'), ...bf(2, [0, 255, 1])])])).object as any;
  assert.equal(sec.data.k, Buffer.from([0, 255, 1]).toString('base64'));
  const rq = decodeKubeProtobuf(envelope('v1', 'ResourceQuota', [...bf(2, bf(1, [...bf(1, 'cpu'), ...bf(2, bf(1, '500m'))]))])).object as any;
  assert.deepEqual(rq.spec.hard, { cpu: '500m' });
  // ServicePort: 4 targetPort IntOrString (int and string), port 3.
  const port = (tp: number[]) => bf(1, [...bf(1, 'p'), ...vf(3, 80), ...bf(4, tp)]);
  const svc = decodeKubeProtobuf(envelope('v1', 'Service', [...bf(2, [...port([...vf(1, 0), ...vf(2, 8080)]), ...port([...vf(1, 1), ...bf(3, 'http')])])])).object as any;
  assert.deepEqual(svc.spec.ports.map((p: any) => p.targetPort), [8080, 'http']);
  // ControllerRevision.data is a RawExtension holding JSON.
  const cr = decodeKubeProtobuf(envelope('apps/v1', 'ControllerRevision', [...bf(2, bf(1, '{"a":[1,2]}')), ...vf(3, 7)])).object as any;
  assert.deepEqual(cr.data, { a: [1, 2] });
  assert.equal(cr.revision, 7);
  assert.equal(formatGoDuration(90 * 1e9), '1m30s');
});

test('negative varints, packed repeated scalars and unknown fields', () => {
  // PodSecurityContext: 2 runAsUser int64 (pointer); 4 supplementalGroups repeated int64 (packed here).
  const psc = [...vf(2, -5n), ...bf(4, [...varint(1), ...varint(2), ...varint(300)]), ...vf(99, 1), ...bf(98, 'junk')];
  const pod = decodeKubeProtobuf(envelope('v1', 'Pod', [...bf(2, bf(14, psc))])).object as any;
  assert.equal(pod.spec.securityContext.runAsUser, -5);
  assert.deepEqual(pod.spec.securityContext.supplementalGroups, [1, 2, 300]);
  // PriorityClass value is int32: -1 arrives as a 10-byte varint.
  const pc = decodeKubeProtobuf(envelope('scheduling.k8s.io/v1', 'PriorityClass', [...objectMeta('p'), ...vf(2, -1)])).object as any;
  assert.equal(pc.value, -1);
});

test('inlined Go structs merge into the parent (Volume.volumeSource)', () => {
  const vol = bf(1, [...bf(1, 'v'), ...bf(2, bf(1, bf(1, '/tmp')))]); // hostPath: {path}
  const pod = decodeKubeProtobuf(envelope('v1', 'Pod', [...bf(2, vol)])).object as any;
  assert.deepEqual(pod.spec.volumes, [{ name: 'v', hostPath: { path: '/tmp' } }]);
});

test('meta kinds resolve from any group; empty typeMeta uses defaults', () => {
  const del = decodeKubeProtobuf(envelope('apps/v1', 'DeleteOptions', vf(1, 30))).object as any;
  assert.equal(del.gracePeriodSeconds, 30);
  const body = Buffer.from([0x6b, 0x38, 0x73, 0x00, ...bf(2, objectMeta('x'))]);
  assert.equal((decodeKubeProtobuf(body, { apiVersion: 'v1', kind: 'ConfigMap' }).object as any).metadata.name, 'x');
  assert.equal(protoPackageForGroupVersion('rbac.authorization.k8s.io/v1'), 'k8s.io.api.rbac.v1');
  assert.equal(protoPackageForGroupVersion('v1'), 'k8s.io.api.core.v1');
  assert.equal(protoPackageForGroupVersion('apiextensions.k8s.io/v1'), 'k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1');
});

test('malformed bodies are 400s', () => {
  assert.throws(() => decodeKubeProtobuf(Buffer.from('{"kind":"x"}')), isBadRequest);
  assert.throws(() => decodeKubeProtobuf(envelope('v1', 'NoSuchKind', [])), isBadRequest);
  const good = envelope('v1', 'ConfigMap', objectMeta('x'));
  assert.throws(() => decodeKubeProtobuf(good.subarray(0, good.length - 1)), isBadRequest);
  // wrong wire type for a string field
  assert.throws(() => decodeKubeProtobuf(envelope('v1', 'ConfigMap', bf(1, vf(1, 5)))), isBadRequest);
  // __proto__ as a map key never reaches an object
  assert.throws(() => decodeKubeProtobuf(envelope('v1', 'ConfigMap', bf(2, [...bf(1, '__proto__'), ...bf(2, 'x')]))), isBadRequest);
});

test('deeply nested messages are refused, not a stack overflow', () => {
  // JSONSchemaProps.properties (30) → map entry value JSONSchemaProps, nested 600 levels.
  let inner: number[] = [];
  for (let i = 0; i < 600; i++) inner = bf(30, [...bf(1, 'a'), ...bf(2, inner)]);
  const body = envelope('apiextensions.k8s.io/v1', 'JSONSchemaProps', inner);
  assert.throws(() => decodeKubeProtobuf(body), isBadRequest);
});

test('Go duration and time formatting', () => {
  assert.equal(formatGoDuration(0), '0s');
  assert.equal(formatGoDuration(1), '1ns');
  assert.equal(formatGoDuration(1500), '1.5µs');
  assert.equal(formatGoDuration(2_000_000), '2ms');
  assert.equal(formatGoDuration(1.5e9), '1.5s');
  assert.equal(formatGoDuration(3600e9), '1h0m0s');
  assert.equal(formatGoDuration(-61e9), '-1m1s');
  assert.equal(formatTime(0), '1970-01-01T00:00:00Z');
  assert.equal(formatMicroTime(0, 5000), '1970-01-01T00:00:00.000005Z');
});

