import { test } from 'node:test';
import assert from 'node:assert/strict';
import { columnsFor, rowCells } from '../../src/api/printers/index.js';
import type { KubeObject } from '../../src/api/object.js';

const NOW = new Date('2024-06-01T12:00:00Z');
const ago = (seconds: number) => new Date(NOW.getTime() - seconds * 1000).toISOString().replace('.000Z', 'Z');

function obj(name: string, rest: Record<string, unknown>, meta: Record<string, unknown> = {}): KubeObject {
  return { metadata: { name, namespace: 'default', creationTimestamp: ago(3600), ...meta }, ...rest };
}
const names = (group: string, kind: string) => columnsFor(group, kind).map((c) => (c.priority ? `${c.name}*` : c.name));

test('every built-in row has one cell per column', () => {
  const kinds: Array<[string, string]> = [
    ['', 'Pod'], ['', 'PodTemplate'], ['', 'ReplicationController'], ['', 'Service'], ['', 'Endpoints'], ['', 'Node'],
    ['', 'ConfigMap'], ['', 'Secret'], ['', 'ServiceAccount'], ['', 'Namespace'], ['', 'PersistentVolume'],
    ['', 'PersistentVolumeClaim'], ['', 'Event'], ['events.k8s.io', 'Event'], ['', 'LimitRange'], ['', 'ResourceQuota'],
    ['apps', 'Deployment'], ['apps', 'ReplicaSet'], ['apps', 'StatefulSet'], ['apps', 'DaemonSet'], ['apps', 'ControllerRevision'],
    ['batch', 'Job'], ['batch', 'CronJob'], ['networking.k8s.io', 'Ingress'], ['networking.k8s.io', 'IngressClass'],
    ['networking.k8s.io', 'NetworkPolicy'], ['discovery.k8s.io', 'EndpointSlice'], ['storage.k8s.io', 'StorageClass'],
    ['storage.k8s.io', 'CSIDriver'], ['storage.k8s.io', 'CSINode'], ['storage.k8s.io', 'VolumeAttachment'],
    ['rbac.authorization.k8s.io', 'Role'], ['rbac.authorization.k8s.io', 'ClusterRole'], ['rbac.authorization.k8s.io', 'RoleBinding'],
    ['rbac.authorization.k8s.io', 'ClusterRoleBinding'], ['coordination.k8s.io', 'Lease'], ['autoscaling', 'HorizontalPodAutoscaler'],
    ['policy', 'PodDisruptionBudget'], ['certificates.k8s.io', 'CertificateSigningRequest'],
    ['apiextensions.k8s.io', 'CustomResourceDefinition'], ['scheduling.k8s.io', 'PriorityClass'],
    ['admissionregistration.k8s.io', 'MutatingWebhookConfiguration'], ['admissionregistration.k8s.io', 'ValidatingWebhookConfiguration'],
    ['example.com', 'Unknown'],
  ];
  for (const [g, k] of kinds) {
    const cells = rowCells(g, k, obj('x', {}), NOW);
    assert.equal(cells.length, columnsFor(g, k).length, `${g}/${k}`);
    for (const c of cells) assert.notEqual(c, undefined, `${g}/${k} has an undefined cell`);
  }
  assert.deepEqual(names('example.com', 'Unknown'), ['Name', 'Age']);
});

test('services of each type', () => {
  assert.deepEqual(names('', 'Service'), ['Name', 'Type', 'Cluster-IP', 'External-IP', 'Port(s)', 'Age', 'Selector*']);
  const svc = (spec: Record<string, unknown>, status: Record<string, unknown> = {}) =>
    rowCells('', 'Service', obj('web', { spec: { clusterIP: '10.43.0.20', clusterIPs: ['10.43.0.20'], ...spec }, status }), NOW);
  assert.deepEqual(svc({ type: 'ClusterIP', selector: { app: 'web', tier: 'fe' }, ports: [{ port: 80, protocol: 'TCP', targetPort: 8080 }] }), [
    'web', 'ClusterIP', '10.43.0.20', '<none>', '80/TCP', '60m', 'app=web,tier=fe',
  ]);
  assert.deepEqual(
    svc({ type: 'NodePort', externalIPs: ['1.2.3.4'], ports: [{ port: 80, nodePort: 30080, protocol: 'TCP' }, { port: 53, nodePort: 30053, protocol: 'UDP' }] }).slice(1, 5),
    ['NodePort', '10.43.0.20', '1.2.3.4', '80:30080/TCP,53:30053/UDP'],
  );
  assert.equal(svc({ type: 'LoadBalancer', ports: [{ port: 443, nodePort: 31443, protocol: 'TCP' }] })[3], '<pending>');
  assert.equal(
    svc({ type: 'LoadBalancer' }, { loadBalancer: { ingress: [{ ip: '192.168.1.20' }, { hostname: 'a-very-long-lb-hostname.example.com' }, { ip: '192.168.1.10' }] } })[3],
    '192.168.1.10,192.168.1.20,a-very-long-lb-hostname.example.com',
  );
  assert.equal(svc({ type: 'LoadBalancer', externalIPs: ['5.5.5.5'] }, { loadBalancer: { ingress: [{ ip: '1.1.1.1' }] } })[3], '1.1.1.1,5.5.5.5');
  assert.deepEqual(svc({ type: 'ExternalName', externalName: 'db.example.com', clusterIP: undefined, clusterIPs: undefined }).slice(1, 6), [
    'ExternalName', '<none>', 'db.example.com', '<none>', '60m',
  ]);
  assert.equal(svc({ type: 'ClusterIP' })[6], '<none>');
});

test('nodes: status, roles, SchedulingDisabled, wide columns', () => {
  assert.deepEqual(names('', 'Node'), ['Name', 'Status', 'Roles', 'Age', 'Version', 'Internal-IP*', 'External-IP*', 'OS-Image*', 'Kernel-Version*', 'Container-Runtime*']);
  const node = obj(
    'node-1',
    {
      spec: { unschedulable: true },
      status: {
        conditions: [{ type: 'MemoryPressure', status: 'False' }, { type: 'Ready', status: 'True' }],
        addresses: [{ type: 'Hostname', address: 'node-1' }, { type: 'InternalIP', address: '10.0.0.5' }],
        nodeInfo: { kubeletVersion: 'v1.32.4-k8ts', osImage: 'Debian GNU/Linux 12', kernelVersion: '6.1.0', containerRuntimeVersion: 'containerd://1.7.24' },
      },
    },
    { namespace: undefined, labels: { 'node-role.kubernetes.io/control-plane': '', 'node-role.kubernetes.io/master': 'true', 'kubernetes.io/role': 'etcd', 'node-role.kubernetes.io/': 'x' } },
  );
  assert.deepEqual(rowCells('', 'Node', node, NOW), [
    'node-1', 'Ready,SchedulingDisabled', 'control-plane,etcd,master', '60m', 'v1.32.4-k8ts',
    '10.0.0.5', '<none>', 'Debian GNU/Linux 12', '6.1.0', 'containerd://1.7.24',
  ]);
  const bare = obj('n2', { status: { conditions: [{ type: 'Ready', status: 'Unknown' }] } });
  assert.deepEqual(rowCells('', 'Node', bare, NOW), ['n2', 'NotReady', '<none>', '60m', '', '<none>', '<none>', '<unknown>', '<unknown>', '<unknown>']);
  assert.equal(rowCells('', 'Node', obj('n3', {}), NOW)[1], 'Unknown');
});

const template = {
  metadata: { labels: { app: 'web' } },
  spec: { containers: [{ name: 'app', image: 'nginx:1.27' }, { name: 'sidecar', image: 'envoy:1.30' }] },
};

test('deployments, replicasets, statefulsets, daemonsets, replicationcontrollers', () => {
  assert.deepEqual(names('apps', 'Deployment'), ['Name', 'Ready', 'Up-to-date', 'Available', 'Age', 'Containers*', 'Images*', 'Selector*']);
  const selector = { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['fe', 'be'] }, { key: 'canary', operator: 'DoesNotExist' }] };
  const dep = obj('web', { spec: { replicas: 3, selector, template }, status: { replicas: 3, updatedReplicas: 2, readyReplicas: 1, availableReplicas: 1 } });
  assert.deepEqual(rowCells('apps', 'Deployment', dep, NOW), ['web', '1/3', 2, 1, '60m', 'app,sidecar', 'nginx:1.27,envoy:1.30', 'app=web,!canary,tier in (be,fe)']);
  assert.deepEqual(rowCells('apps', 'Deployment', obj('new', { spec: { replicas: 2, template } }), NOW).slice(1, 4), ['0/2', 0, 0]);

  const rs = obj('web-5d9c', { spec: { replicas: 3, selector: { matchLabels: { app: 'web', 'pod-template-hash': '5d9c' } }, template }, status: { replicas: 3, readyReplicas: 2 } });
  assert.deepEqual(rowCells('apps', 'ReplicaSet', rs, NOW), ['web-5d9c', 3, 3, 2, '60m', 'app,sidecar', 'nginx:1.27,envoy:1.30', 'app=web,pod-template-hash=5d9c']);

  assert.deepEqual(names('apps', 'StatefulSet'), ['Name', 'Ready', 'Age', 'Containers*', 'Images*']);
  const sts = obj('db', { spec: { replicas: 3, template }, status: { replicas: 2, readyReplicas: 2 } });
  assert.deepEqual(rowCells('apps', 'StatefulSet', sts, NOW), ['db', '2/3', '60m', 'app,sidecar', 'nginx:1.27,envoy:1.30']);

  assert.deepEqual(names('apps', 'DaemonSet'), ['Name', 'Desired', 'Current', 'Ready', 'Up-to-date', 'Available', 'Node Selector', 'Age', 'Containers*', 'Images*', 'Selector*']);
  const ds = obj('proxy', {
    spec: { selector: { matchLabels: { app: 'proxy' } }, template: { spec: { nodeSelector: { 'kubernetes.io/os': 'linux' }, containers: [{ name: 'p', image: 'p:1' }] } } },
    status: { desiredNumberScheduled: 3, currentNumberScheduled: 3, numberReady: 2, updatedNumberScheduled: 3, numberAvailable: 2 },
  });
  assert.deepEqual(rowCells('apps', 'DaemonSet', ds, NOW), ['proxy', 3, 3, 2, 3, 2, 'kubernetes.io/os=linux', '60m', 'p', 'p:1', 'app=proxy']);

  const rc = obj('old', { spec: { replicas: 1, selector: { app: 'old' }, template }, status: { replicas: 1, readyReplicas: 1 } });
  assert.deepEqual(rowCells('', 'ReplicationController', rc, NOW), ['old', 1, 1, 1, '60m', 'app,sidecar', 'nginx:1.27,envoy:1.30', 'app=old']);
});

test('controllerrevisions name their controller with its group', () => {
  const cr = obj('web-7b5', { revision: 2 }, { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: 'u', controller: true }] });
  assert.deepEqual(rowCells('apps', 'ControllerRevision', cr, NOW), ['web-7b5', 'statefulset.apps/web', 2, '60m']);
  assert.equal(rowCells('apps', 'ControllerRevision', obj('orphan', { revision: 1 }), NOW)[1], '<none>');
});

test('jobs: status, completions, duration', () => {
  assert.deepEqual(names('batch', 'Job'), ['Name', 'Status', 'Completions', 'Duration', 'Age', 'Containers*', 'Images*', 'Selector*']);
  const sel = { matchLabels: { 'batch.kubernetes.io/controller-uid': 'abc' } };
  const job = (spec: Record<string, unknown>, status: Record<string, unknown>, meta: Record<string, unknown> = {}) =>
    rowCells('batch', 'Job', obj('pi', { spec: { selector: sel, template: { spec: { containers: [{ name: 'pi', image: 'perl' }] } }, ...spec }, status }, meta), NOW);
  assert.deepEqual(job({ completions: 1, parallelism: 1 }, { succeeded: 1, startTime: ago(600), completionTime: ago(555), conditions: [{ type: 'SuccessCriteriaMet', status: 'True' }, { type: 'Complete', status: 'True' }] }), [
    'pi', 'Complete', '1/1', '45s', '60m', 'pi', 'perl', 'batch.kubernetes.io/controller-uid=abc',
  ]);
  assert.deepEqual(job({ completions: 5, parallelism: 2 }, { succeeded: 2, active: 2, startTime: ago(200) }).slice(1, 4), ['Running', '2/5', '3m20s']);
  assert.deepEqual(job({ parallelism: 3 }, { succeeded: 0 }).slice(1, 4), ['Running', '0/1 of 3', '']);
  assert.equal(job({}, { conditions: [{ type: 'Failed', status: 'True' }] })[1], 'Failed');
  assert.equal(job({}, { conditions: [{ type: 'Suspended', status: 'True' }] })[1], 'Suspended');
  assert.equal(job({}, { conditions: [{ type: 'FailureTarget', status: 'True' }] })[1], 'FailureTarget');
  assert.equal(job({}, { conditions: [{ type: 'Suspended', status: 'True' }] }, { deletionTimestamp: ago(1) })[1], 'Terminating');
  assert.equal(job({}, { conditions: [{ type: 'Complete', status: 'False' }] })[1], 'Running');
});

test('cronjobs: schedule, timezone, suspend, active, last schedule', () => {
  assert.deepEqual(names('batch', 'CronJob'), ['Name', 'Schedule', 'Timezone', 'Suspend', 'Active', 'Last Schedule', 'Age', 'Containers*', 'Images*', 'Selector*']);
  const cj = obj('hello', {
    spec: { schedule: '*/5 * * * *', suspend: false, jobTemplate: { spec: { template: { spec: { containers: [{ name: 'hello', image: 'busybox' }] } } } } },
    status: { active: [{ name: 'hello-1' }], lastScheduleTime: ago(125) },
  });
  assert.deepEqual(rowCells('batch', 'CronJob', cj, NOW), ['hello', '*/5 * * * *', '<none>', 'False', 1, '2m5s', '60m', 'hello', 'busybox', '<none>']);
  const cj2 = obj('tz', { spec: { schedule: '0 0 * * *', timeZone: 'Etc/UTC', suspend: true, jobTemplate: { spec: { template: { spec: { containers: [] } } } } } });
  assert.deepEqual(rowCells('batch', 'CronJob', cj2, NOW).slice(1, 6), ['0 0 * * *', 'Etc/UTC', 'True', 0, '<none>']);
});

test('persistent volumes and claims', () => {
  assert.deepEqual(names('', 'PersistentVolume'), ['Name', 'Capacity', 'Access Modes', 'Reclaim Policy', 'Status', 'Claim', 'StorageClass', 'VolumeAttributesClass', 'Reason', 'Age', 'VolumeMode*']);
  const pv = obj('pvc-123', {
    spec: { capacity: { storage: '10Gi' }, accessModes: ['ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOnce'], persistentVolumeReclaimPolicy: 'Delete', storageClassName: 'local-path', claimRef: { namespace: 'default', name: 'data' }, volumeMode: 'Filesystem' },
    status: { phase: 'Bound' },
  }, { namespace: undefined });
  assert.deepEqual(rowCells('', 'PersistentVolume', pv, NOW), ['pvc-123', '10Gi', 'RWO,RWX', 'Delete', 'Bound', 'default/data', 'local-path', '<unset>', '', '60m', 'Filesystem']);
  const pvDel = obj('pv2', { spec: { accessModes: ['ReadWriteOncePod'] }, status: { phase: 'Released', reason: 'x' } }, { deletionTimestamp: ago(1) });
  assert.deepEqual(rowCells('', 'PersistentVolume', pvDel, NOW).slice(1, 9), ['0', 'RWOP', '', 'Terminating', '', '', '<unset>', 'x']);

  assert.deepEqual(names('', 'PersistentVolumeClaim'), ['Name', 'Status', 'Volume', 'Capacity', 'Access Modes', 'StorageClass', 'VolumeAttributesClass', 'Age', 'VolumeMode*']);
  const pending = obj('data', { spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName: 'local-path', volumeMode: 'Filesystem' }, status: { phase: 'Pending' } });
  assert.deepEqual(rowCells('', 'PersistentVolumeClaim', pending, NOW), ['data', 'Pending', '', '', '', 'local-path', '<unset>', '60m', 'Filesystem']);
  const bound = obj('data', {
    spec: { accessModes: ['ReadWriteOnce'], volumeName: 'pvc-123', storageClassName: 'local-path', volumeAttributesClassName: 'gold' },
    status: { phase: 'Bound', capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'] },
  }, { annotations: { 'volume.beta.kubernetes.io/storage-class': 'legacy' } });
  assert.deepEqual(rowCells('', 'PersistentVolumeClaim', bound, NOW), ['data', 'Bound', 'pvc-123', '1Gi', 'RWO', 'legacy', 'gold', '60m', '<unset>']);
});

test('storageclasses: default marker and defaults', () => {
  const sc = obj('local-path', { provisioner: 'rancher.io/local-path', volumeBindingMode: 'WaitForFirstConsumer', reclaimPolicy: 'Delete' }, {
    namespace: undefined,
    annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' },
  });
  assert.deepEqual(rowCells('storage.k8s.io', 'StorageClass', sc, NOW), ['local-path (default)', 'rancher.io/local-path', 'Delete', 'WaitForFirstConsumer', false, '60m']);
  const plain = obj('fast', { provisioner: 'x', allowVolumeExpansion: true, reclaimPolicy: 'Retain' });
  assert.deepEqual(rowCells('storage.k8s.io', 'StorageClass', plain, NOW), ['fast', 'x', 'Retain', 'Immediate', true, '60m']);
});

test('ingresses: class, hosts, address, ports', () => {
  assert.deepEqual(names('networking.k8s.io', 'Ingress'), ['Name', 'Class', 'Hosts', 'Address', 'Ports', 'Age']);
  const ing = (spec: Record<string, unknown>, status: Record<string, unknown> = {}) => rowCells('networking.k8s.io', 'Ingress', obj('web', { spec, status }), NOW);
  assert.deepEqual(ing({ rules: [{ http: {} }] }), ['web', '<none>', '*', '', '80', '60m']);
  assert.deepEqual(
    ing({ ingressClassName: 'traefik', tls: [{ hosts: ['a.example.com'] }], rules: [{ host: 'a.example.com' }, { host: 'b.example.com' }] }, { loadBalancer: { ingress: [{ ip: '10.0.0.5' }] } }),
    ['web', 'traefik', 'a.example.com,b.example.com', '10.0.0.5', '80, 443', '60m'],
  );
  assert.equal(ing({ rules: [{ host: 'a' }, { host: 'b' }, { host: 'c' }, { host: 'd' }, { host: 'e' }] })[2], 'a,b,c + 2 more...');
});

test('endpoints and endpointslices', () => {
  const ep = obj('web', {
    subsets: [
      { addresses: [{ ip: '10.42.0.5' }, { ip: '10.42.0.6' }], ports: [{ name: 'http', port: 80 }, { name: 'https', port: 443 }] },
    ],
  });
  assert.deepEqual(rowCells('', 'Endpoints', ep, NOW), ['web', '10.42.0.5:80,10.42.0.6:80,10.42.0.5:443 + 1 more...', '60m']);
  assert.equal(rowCells('', 'Endpoints', obj('none', {}), NOW)[1], '<none>');
  assert.equal(rowCells('', 'Endpoints', obj('v6', { subsets: [{ addresses: [{ ip: 'fd00::1' }], ports: [{ port: 53 }] }] }), NOW)[1], '[fd00::1]:53');
  const slice = obj('web-abc', {
    addressType: 'IPv4',
    ports: [{ name: 'http', port: 80 }, { name: 'named' }, {}, { port: 9090 }],
    endpoints: [{ addresses: ['10.42.0.5'] }, { addresses: ['10.42.0.6', '10.42.0.7', '10.42.0.8'] }],
  });
  assert.deepEqual(rowCells('discovery.k8s.io', 'EndpointSlice', slice, NOW), ['web-abc', 'IPv4', '80,named,* + 1 more...', '10.42.0.5,10.42.0.6,10.42.0.7 + 1 more...', '60m']);
  assert.deepEqual(rowCells('discovery.k8s.io', 'EndpointSlice', obj('empty', { addressType: 'IPv4' }), NOW).slice(2, 4), ['<unset>', '<unset>']);
});

test('events (core/v1 and events.k8s.io/v1)', () => {
  assert.deepEqual(names('', 'Event'), ['Last Seen', 'Type', 'Reason', 'Object', 'Subobject*', 'Source*', 'Message', 'First Seen*', 'Count*', 'Name*']);
  const ev = obj('web-0.17d', {
    involvedObject: { kind: 'Pod', name: 'web-0', fieldPath: 'spec.containers{app}' },
    reason: 'Pulled',
    type: 'Normal',
    message: 'Successfully pulled image\n',
    source: { component: 'kubelet', host: 'node-1' },
    firstTimestamp: ago(600),
    lastTimestamp: ago(30),
    count: 4,
  });
  assert.deepEqual(rowCells('', 'Event', ev, NOW), ['30s', 'Normal', 'Pulled', 'pod/web-0', 'spec.containers{app}', 'kubelet, node-1', 'Successfully pulled image', '10m', 4, 'web-0.17d']);
  const micro = obj('e2', {
    involvedObject: { kind: 'Node' },
    reason: 'Starting',
    type: 'Normal',
    eventTime: '2024-06-01T11:59:00.123456Z',
    reportingComponent: 'kube-proxy',
    reportingInstance: 'node-1',
  });
  assert.deepEqual(rowCells('', 'Event', micro, NOW), ['59s', 'Normal', 'Starting', 'node', '', 'kube-proxy, node-1', '', '59s', 1, 'e2']);
  const series = obj('e3', { involvedObject: { kind: 'Pod', name: 'p' }, eventTime: ago(900), series: { count: 7, lastObservedTime: '2024-06-01T11:58:00.000000Z' } });
  assert.deepEqual(rowCells('', 'Event', series, NOW).slice(0, 1).concat(rowCells('', 'Event', series, NOW).slice(7, 9)), ['2m', '15m', 7]);
  const v1 = obj('e4', { regarding: { kind: 'Deployment', name: 'web' }, reason: 'ScalingReplicaSet', type: 'Normal', note: 'Scaled up', reportingController: 'deployment-controller', eventTime: ago(5) });
  assert.deepEqual(rowCells('events.k8s.io', 'Event', v1, NOW), ['5s', 'Normal', 'ScalingReplicaSet', 'deployment/web', '', 'deployment-controller', 'Scaled up', '5s', 1, 'e4']);
});

test('configmaps, secrets, serviceaccounts, namespaces, quotas', () => {
  assert.deepEqual(rowCells('', 'ConfigMap', obj('cfg', { data: { a: '1', b: '2' }, binaryData: { c: 'AA==' } }), NOW), ['cfg', 3, '60m']);
  assert.deepEqual(rowCells('', 'Secret', obj('tls', { type: 'kubernetes.io/tls', data: { 'tls.crt': 'x', 'tls.key': 'y' } }), NOW), ['tls', 'kubernetes.io/tls', 2, '60m']);
  assert.deepEqual(rowCells('', 'ServiceAccount', obj('default', {}), NOW), ['default', 0, '60m']);
  assert.deepEqual(rowCells('', 'Namespace', obj('kube-system', { status: { phase: 'Active' } }), NOW), ['kube-system', 'Active', '60m']);
  const rq = obj('q', { status: { hard: { pods: '10', 'limits.cpu': '4', 'requests.cpu': '2', 'limits.memory': '8Gi' }, used: { pods: '3', 'requests.cpu': '500m' } } });
  assert.deepEqual(rowCells('', 'ResourceQuota', rq, NOW), ['q', 'pods: 3/10, requests.cpu: 500m/2', 'limits.cpu: 0/4, limits.memory: 0/8Gi', '60m']);
});

test('rbac bindings, roles and leases', () => {
  assert.deepEqual(names('rbac.authorization.k8s.io', 'RoleBinding'), ['Name', 'Role', 'Age', 'Users*', 'Groups*', 'ServiceAccounts*']);
  const rb = obj('view-binding', {
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
    subjects: [
      { kind: 'User', name: 'alice' },
      { kind: 'User', name: 'bob' },
      { kind: 'Group', name: 'devs' },
      { kind: 'ServiceAccount', name: 'ci', namespace: 'build' },
    ],
  });
  assert.deepEqual(rowCells('rbac.authorization.k8s.io', 'RoleBinding', rb, NOW), ['view-binding', 'ClusterRole/view', '60m', 'alice, bob', 'devs', 'build/ci']);
  assert.deepEqual(rowCells('rbac.authorization.k8s.io', 'ClusterRoleBinding', obj('crb', { roleRef: { kind: 'ClusterRole', name: 'admin' } }), NOW), ['crb', 'ClusterRole/admin', '60m', '', '', '']);
  assert.deepEqual(names('rbac.authorization.k8s.io', 'ClusterRole'), ['Name', 'Created At']);
  assert.deepEqual(rowCells('rbac.authorization.k8s.io', 'ClusterRole', obj('view', {}, { creationTimestamp: '2024-05-01T10:20:30.456Z' }), NOW), ['view', '2024-05-01T10:20:30Z']);
  assert.deepEqual(rowCells('coordination.k8s.io', 'Lease', obj('kube-scheduler', { spec: { holderIdentity: 'server-1_abc' } }), NOW), ['kube-scheduler', 'server-1_abc', '60m']);
});

test('hpa targets (v2 and v1), pdb, csr, priorityclass, webhooks', () => {
  const hpa = obj('web', {
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
      minReplicas: 1,
      maxReplicas: 10,
      metrics: [
        { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } },
        { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '500Mi' } } },
        { type: 'Pods', pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '10' } } },
      ],
    },
    status: { currentReplicas: 2, currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 40, averageValue: '100m' } } }] },
  });
  assert.deepEqual(rowCells('autoscaling', 'HorizontalPodAutoscaler', hpa, NOW), ['web', 'Deployment/web', 'cpu: 40%/80%, memory: <unknown>/500Mi + 1 more...', '1', 10, 2, '60m']);
  const v1 = obj('v1', { spec: { scaleTargetRef: { kind: 'Deployment', name: 'web' }, maxReplicas: 5, targetCPUUtilizationPercentage: 50 }, status: { currentReplicas: 1 } });
  assert.deepEqual(rowCells('autoscaling', 'HorizontalPodAutoscaler', v1, NOW).slice(2, 4), ['cpu: <unknown>/50%', '<unset>']);
  assert.equal(rowCells('autoscaling', 'HorizontalPodAutoscaler', obj('none', { spec: { maxReplicas: 1 } }), NOW)[2], '<none>');

  assert.deepEqual(rowCells('policy', 'PodDisruptionBudget', obj('pdb', { spec: { minAvailable: '50%' }, status: { disruptionsAllowed: 1 } }), NOW), ['pdb', '50%', 'N/A', 1, '60m']);
  assert.deepEqual(rowCells('policy', 'PodDisruptionBudget', obj('pdb2', { spec: { maxUnavailable: 1 } }), NOW).slice(1, 4), ['N/A', '1', 0]);

  const csr = obj('node-csr', { spec: { signerName: 'kubernetes.io/kube-apiserver-client-kubelet', username: 'system:node:n1', expirationSeconds: 86400 }, status: { conditions: [{ type: 'Approved', status: 'True' }], certificate: 'LS0t' } });
  assert.deepEqual(rowCells('certificates.k8s.io', 'CertificateSigningRequest', csr, NOW), ['node-csr', '60m', 'kubernetes.io/kube-apiserver-client-kubelet', 'system:node:n1', '24h', 'Approved,Issued']);

  assert.deepEqual(rowCells('scheduling.k8s.io', 'PriorityClass', obj('system-node-critical', { value: 2000001000, preemptionPolicy: 'PreemptLowerPriority' }), NOW), ['system-node-critical', 2000001000, false, '60m', 'PreemptLowerPriority']);
  assert.deepEqual(rowCells('admissionregistration.k8s.io', 'ValidatingWebhookConfiguration', obj('vwc', { webhooks: [{}, {}] }), NOW), ['vwc', 2, '60m']);
});
