import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../src/api/object.js';
import { isDNS1123Label, isQualifiedName, isValidLabelValue, isValidPathSegmentName } from '../../src/api/validation/names.js';
import { validateObjectMeta } from '../../src/api/validation/meta.js';
import { validatePod, validatePodUpdate } from '../../src/api/validation/pod.js';
import { validateDeployment, validateStatefulSetUpdate } from '../../src/api/validation/workloads.js';
import { validateService, validateServiceUpdate } from '../../src/api/validation/service.js';
import { goBase64ErrorOffset, secretDecodeError, validateConfigMap, validateConfigMapUpdate, validateSecret } from '../../src/api/validation/config.js';
import { cronScheduleError, validateCronJob, validateJob } from '../../src/api/validation/batch.js';
import { validateIngress, validatePersistentVolumeClaim, validateRole, validateStorageClassUpdate } from '../../src/api/validation/cluster.js';
import { validateCustomResourceDefinition } from '../../src/api/validation/crd.js';
import { defaultDeployment } from '../../src/api/defaults/workloads.js';
import { defaultPod } from '../../src/api/defaults/pod.js';

const fm = (causes: { field?: string; message?: string }[]) => causes.map((c) => `${c.field}: ${c.message}`);

test('name rules', () => {
  assert.deepEqual(isDNS1123Label('ok-1'), []);
  assert.equal(isDNS1123Label('a'.repeat(64))[0], 'must be no more than 63 characters');
  assert.match(isDNS1123Label('Bad')[0]!, /e\.g\. 'my-name',  or '123-abc'/);
  assert.deepEqual(isQualifiedName('example.com/my_name'), []);
  assert.match(isQualifiedName('a/b/c')[0]!, /with an optional DNS subdomain prefix/);
  assert.match(isValidLabelValue('-bad')[0]!, /^a valid label must be an empty string/);
  assert.deepEqual(isValidPathSegmentName('..'), ["may not be '..'"]);
});

test('object meta: labels, generateName, namespace', () => {
  const causes = validateObjectMeta({ generateName: 'web-', namespace: 'default', labels: { 'bad key!': 'v' } }, { namespaced: true });
  assert.equal(causes.length, 1);
  assert.equal(causes[0]!.field, 'metadata.labels');
  assert.deepEqual(fm(validateObjectMeta({ name: 'a' }, { namespaced: true })), ['metadata.namespace: Required value']);
  assert.deepEqual(fm(validateObjectMeta({}, { namespaced: false })), ['metadata.name: Required value: name or generateName is required']);
  const big = { a: 'x'.repeat(256 * 1024) };
  assert.equal(validateObjectMeta({ name: 'a', annotations: big }, { namespaced: false })[0]!.reason, 'FieldValueTooLong');
});

function pod(spec: Record<string, unknown>): KubeObject {
  const p: KubeObject = { metadata: { name: 'p', namespace: 'default' }, spec };
  defaultPod(p);
  return p;
}

test('pod validation: containers, duplicates, mounts, ports, resources', () => {
  assert.deepEqual(fm(validatePod(pod({}))), ['spec.containers: Required value']);
  const causes = fm(validatePod(pod({
    containers: [
      { name: 'a', image: 'nginx', ports: [{ containerPort: 70000 }], volumeMounts: [{ name: 'nope', mountPath: '/x' }], resources: { requests: { cpu: '2' }, limits: { cpu: '1' } } },
      { name: 'a' },
    ],
    restartPolicy: 'Sometimes',
  })));
  assert.ok(causes.includes('spec.containers[1].name: Duplicate value: "a"'), causes.join('\n'));
  assert.ok(causes.includes('spec.containers[1].image: Required value'));
  assert.ok(causes.includes('spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive'));
  assert.ok(causes.includes('spec.containers[0].volumeMounts[0].name: Not found: "nope"'));
  assert.ok(causes.includes('spec.containers[0].resources.requests[cpu]: Invalid value: "2": must be less than or equal to cpu limit of 1'));
  assert.ok(causes.includes('spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"'));
});

test('pod update: only image changes allowed', () => {
  const old = pod({ containers: [{ name: 'a', image: 'nginx:1' }] });
  const ok = structuredClone(old);
  (ok.spec as { containers: { image: string }[] }).containers[0]!.image = 'nginx:2';
  assert.deepEqual(validatePodUpdate(ok, old), []);
  const bad = structuredClone(old);
  (bad.spec as { restartPolicy: string }).restartPolicy = 'Never';
  const causes = validatePodUpdate(bad, old);
  assert.equal(causes[0]!.field, 'spec');
  assert.match(causes[0]!.message!, /^Forbidden: pod updates may not change fields other than/);
});

test('deployment: selector mismatch and maxSurge/maxUnavailable', () => {
  const d: KubeObject = {
    metadata: { name: 'd' },
    spec: {
      selector: { matchLabels: { app: 'a' } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 0 } },
      template: { metadata: { labels: { app: 'b' } }, spec: { containers: [{ name: 'c', image: 'i' }] } },
    },
  };
  defaultDeployment(d);
  const causes = fm(validateDeployment(d));
  assert.ok(causes.includes('spec.template.metadata.labels: Invalid value: {"app":"b"}: `selector` does not match template `labels`'), causes.join('\n'));
  assert.ok(causes.includes('spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 0: may not be 0 when `maxSurge` is 0'));
  (d.spec as { replicas: number }).replicas = -1;
  assert.ok(fm(validateDeployment(d)).includes('spec.replicas: Invalid value: -1: must be greater than or equal to 0'));
});

test('statefulset update: forbidden fields', () => {
  const old: KubeObject = { metadata: { name: 's' }, spec: { serviceName: 'a', replicas: 1 } };
  const next: KubeObject = { metadata: { name: 's' }, spec: { serviceName: 'b', replicas: 3 } };
  assert.match(validateStatefulSetUpdate(next, old)[0]!.message!, /updates to statefulset spec for fields other than 'replicas'/);
  assert.deepEqual(validateStatefulSetUpdate({ metadata: {}, spec: { serviceName: 'a', replicas: 5 } }, old), []);
});

test('service validation', () => {
  const svc = (spec: Record<string, unknown>, name = 'web'): KubeObject => ({ metadata: { name, namespace: 'default' }, spec });
  assert.deepEqual(fm(validateService(svc({ type: 'ClusterIP' }))), ['spec.ports: Required value']);
  assert.deepEqual(fm(validateService(svc({ clusterIP: 'None' }))), []);
  const causes = fm(validateService(svc({ type: 'ClusterIP', ports: [{ port: 0, protocol: 'TCP' }, { port: 80, protocol: 'TCP', nodePort: 30001 }] })));
  assert.ok(causes.includes('spec.ports[0].name: Required value'), causes.join('\n'));
  assert.ok(causes.includes('spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive'));
  assert.ok(causes.includes("spec.ports[1].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"));
  assert.ok(fm(validateService(svc({ type: 'Weird', ports: [{ port: 1, protocol: 'TCP' }] }))).includes('spec.type: Unsupported value: "Weird": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"'));
  assert.match(fm(validateService(svc({ ports: [{ port: 1, protocol: 'TCP' }] }, '1abc')))[0]!, /^metadata.name: Invalid value: "1abc": a DNS-1035 label/);
  const upd = validateServiceUpdate(svc({ clusterIP: '10.43.0.9', clusterIPs: ['10.43.0.9'] }), svc({ clusterIP: '10.43.0.8', clusterIPs: ['10.43.0.8'] }));
  assert.deepEqual(fm(upd), ['spec.clusterIPs[0]: Invalid value: "10.43.0.9": may not change once set']);
});

test('configmap and secret', () => {
  assert.match(fm(validateConfigMap({ metadata: {}, data: { 'a b': 'x' } }))[0]!, /^data\[a b\]: Invalid value: "a b": a valid config key must consist/);
  const old = { metadata: {}, immutable: true, data: { a: '1' } };
  assert.deepEqual(fm(validateConfigMapUpdate({ metadata: {}, immutable: true, data: { a: '2' } }, old)), ['data: Forbidden: field is immutable when `immutable` is set']);
  assert.deepEqual(fm(validateSecret({ metadata: {}, type: 'kubernetes.io/tls', data: {} })), ['data[tls.crt]: Required value', 'data[tls.key]: Required value']);
  assert.equal(goBase64ErrorOffset('aGVsbG8='), -1);
  assert.equal(goBase64ErrorOffset('abc'), 0);
  assert.equal(goBase64ErrorOffset('ab!d'), 2);
  assert.equal(goBase64ErrorOffset('aGVsbG8=x'), 8);
  const err = secretDecodeError({ metadata: {}, data: { k: 'not base64!' } });
  assert.equal(err?.code, 400);
  assert.equal(err?.message, 'Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 3');
});

test('jobs and cronjobs', () => {
  assert.equal(cronScheduleError('*/5 * * * *'), undefined);
  assert.equal(cronScheduleError('@hourly'), undefined);
  assert.match(cronScheduleError('* * *')!, /expected exactly 5 fields, found 3/);
  assert.match(cronScheduleError('61 * * * *')!, /above maximum \(59\)/);
  const cj: KubeObject = { metadata: { name: 'c' }, spec: { schedule: 'nope', concurrencyPolicy: 'Allow', jobTemplate: { spec: { template: { spec: { containers: [{ name: 'a', image: 'b' }], restartPolicy: 'Always' } } } } } };
  const causes = fm(validateCronJob(cj));
  assert.ok(causes.some((c) => c.startsWith('spec.schedule: Invalid value: "nope"')));
  assert.ok(causes.includes('spec.jobTemplate.spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"'));
  const job: KubeObject = { metadata: { name: 'j' }, spec: { template: { spec: { containers: [{ name: 'a', image: 'b' }], restartPolicy: 'Never' } } } };
  assert.deepEqual(fm(validateJob(job)), ['spec.selector: Required value']);
});

test('cluster kinds', () => {
  assert.deepEqual(fm(validatePersistentVolumeClaim({ metadata: {}, spec: {} })), ['spec.accessModes: Required value', 'spec.resources[storage]: Required value']);
  assert.deepEqual(fm(validateRole({ metadata: {}, rules: [{ apiGroups: [''], resources: ['pods'] }] })), ['rules[0].verbs: Required value: verbs must contain at least one value']);
  assert.deepEqual(fm(validateStorageClassUpdate({ metadata: {}, provisioner: 'a', parameters: { x: '1' }, reclaimPolicy: 'Delete', volumeBindingMode: 'Immediate' }, { metadata: {}, provisioner: 'a', reclaimPolicy: 'Delete', volumeBindingMode: 'Immediate' })), ['parameters: Forbidden: updates to parameters are forbidden.']);
  const ing = fm(validateIngress({ metadata: {}, spec: { rules: [{ http: { paths: [{ path: '/', backend: { service: { name: 's', port: { number: 80 } } } }] } }] } }));
  assert.deepEqual(ing, ['spec.rules[0].http.paths[0].pathType: Required value: pathType must be specified']);
});

test('crd needs exactly one storage version', () => {
  const crd: KubeObject = {
    metadata: { name: 'widgets.example.com' },
    spec: {
      group: 'example.com', scope: 'Namespaced', names: { plural: 'widgets', kind: 'Widget' },
      versions: [{ name: 'v1', served: true, storage: false, schema: { openAPIV3Schema: { type: 'object' } } }],
    },
  };
  assert.deepEqual(fm(validateCustomResourceDefinition(crd)).map((s) => s.split(':')[0]), ['spec.versions']);
  ((crd.spec as { versions: { storage: boolean }[] }).versions[0]!).storage = true;
  assert.deepEqual(validateCustomResourceDefinition(crd), []);
});
