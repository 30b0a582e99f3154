import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../src/api/object.js';
import { defaultPod, defaultPullPolicy } from '../../src/api/defaults/pod.js';
import { defaultDaemonSet, defaultDeployment, defaultJob, defaultStatefulSet, defaultCronJob } from '../../src/api/defaults/workloads.js';
import { defaultService, defaultSecret } from '../../src/api/defaults/core.js';
import { defaultHorizontalPodAutoscalerV2, defaultStorageClass } from '../../src/api/defaults/cluster.js';

test('image pull policy', () => {
  assert.equal(defaultPullPolicy('nginx'), 'Always');
  assert.equal(defaultPullPolicy('nginx:latest'), 'Always');
  assert.equal(defaultPullPolicy('nginx:1.27'), 'IfNotPresent');
  assert.equal(defaultPullPolicy('localhost:5000/app'), 'Always');
  assert.equal(defaultPullPolicy('app@sha256:abc'), 'IfNotPresent');
});

test('pod defaults', () => {
  const p: KubeObject = {
    metadata: { name: 'p' },
    spec: {
      containers: [{
        name: 'c', image: 'nginx:1', ports: [{ containerPort: 80 }],
        livenessProbe: { httpGet: { port: 80 } },
        env: [{ name: 'N', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
        resources: { limits: { cpu: '1' } },
      }],
      volumes: [{ name: 'a', configMap: { name: 'x' } }, { name: 'b' }],
    },
  };
  defaultPod(p);
  const s = p.spec as Record<string, any>;
  assert.equal(s.restartPolicy, 'Always');
  assert.equal(s.dnsPolicy, 'ClusterFirst');
  assert.equal(s.schedulerName, 'default-scheduler');
  assert.equal(s.terminationGracePeriodSeconds, 30);
  assert.deepEqual(s.securityContext, {});
  assert.equal(s.enableServiceLinks, true);
  assert.equal(s.priority, 0);
  assert.equal(s.preemptionPolicy, 'PreemptLowerPriority');
  const c = s.containers[0];
  assert.equal(c.imagePullPolicy, 'IfNotPresent');
  assert.equal(c.terminationMessagePath, '/dev/termination-log');
  assert.equal(c.terminationMessagePolicy, 'File');
  assert.equal(c.ports[0].protocol, 'TCP');
  assert.deepEqual(c.livenessProbe, { httpGet: { port: 80, path: '/', scheme: 'HTTP' }, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 });
  assert.equal(c.env[0].valueFrom.fieldRef.apiVersion, 'v1');
  assert.deepEqual(c.resources.requests, { cpu: '1' });
  assert.equal(s.volumes[0].configMap.defaultMode, 420);
  assert.deepEqual(s.volumes[1].emptyDir, {});
});

test('workload defaults', () => {
  const d: KubeObject = { metadata: {}, spec: { template: { spec: { containers: [] } } } };
  defaultDeployment(d);
  const ds = d.spec as Record<string, any>;
  assert.equal(ds.replicas, 1);
  assert.deepEqual(ds.strategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } });
  assert.equal(ds.revisionHistoryLimit, 10);
  assert.equal(ds.progressDeadlineSeconds, 600);
  assert.equal(ds.template.spec.restartPolicy, 'Always');

  const sts: KubeObject = { metadata: {}, spec: {} };
  defaultStatefulSet(sts);
  const ss = sts.spec as Record<string, any>;
  assert.deepEqual(ss.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { partition: 0 } });
  assert.equal(ss.podManagementPolicy, 'OrderedReady');
  assert.deepEqual(ss.persistentVolumeClaimRetentionPolicy, { whenDeleted: 'Retain', whenScaled: 'Retain' });

  const dms: KubeObject = { metadata: {}, spec: {} };
  defaultDaemonSet(dms);
  assert.deepEqual((dms.spec as any).updateStrategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });

  const job: KubeObject = { metadata: {}, spec: { template: { spec: { restartPolicy: 'Never', containers: [] } } } };
  defaultJob(job);
  const js = job.spec as Record<string, any>;
  assert.equal(js.completions, 1);
  assert.equal(js.parallelism, 1);
  assert.equal(js.backoffLimit, 6);
  assert.equal(js.completionMode, 'NonIndexed');
  assert.equal(js.suspend, false);
  assert.equal(js.podReplacementPolicy, 'TerminatingOrFailed');
  assert.equal(js.manualSelector, undefined);
  const job2: KubeObject = { metadata: {}, spec: { parallelism: 3 } };
  defaultJob(job2);
  assert.equal((job2.spec as any).completions, undefined);

  const cj: KubeObject = { metadata: {}, spec: { schedule: '* * * * *', jobTemplate: { spec: { template: { spec: {} } } } } };
  defaultCronJob(cj);
  const cs = cj.spec as Record<string, any>;
  assert.equal(cs.concurrencyPolicy, 'Allow');
  assert.equal(cs.successfulJobsHistoryLimit, 3);
  assert.equal(cs.failedJobsHistoryLimit, 1);
});

test('service, secret, storageclass, hpa defaults', () => {
  const svc: KubeObject = { metadata: {}, spec: { type: 'NodePort', ports: [{ port: 80 }] } };
  defaultService(svc);
  const s = svc.spec as Record<string, any>;
  assert.equal(s.sessionAffinity, 'None');
  assert.deepEqual(s.ports[0], { port: 80, protocol: 'TCP', targetPort: 80 });
  assert.equal(s.externalTrafficPolicy, 'Cluster');
  assert.equal(s.internalTrafficPolicy, 'Cluster');
  assert.equal(s.ipFamilyPolicy, 'SingleStack');
  assert.deepEqual(s.ipFamilies, ['IPv4']);
  const plain: KubeObject = { metadata: {}, spec: { ports: [{ port: 80, targetPort: 'http' }] } };
  defaultService(plain);
  assert.equal((plain.spec as any).type, 'ClusterIP');
  assert.equal((plain.spec as any).externalTrafficPolicy, undefined);
  assert.equal((plain.spec as any).ports[0].targetPort, 'http');

  const sec: KubeObject = { metadata: {} };
  defaultSecret(sec);
  assert.equal(sec.type, 'Opaque');
  const sc: KubeObject = { metadata: {}, provisioner: 'x' };
  defaultStorageClass(sc);
  assert.equal(sc.reclaimPolicy, 'Delete');
  assert.equal(sc.volumeBindingMode, 'Immediate');
  const hpa: KubeObject = { metadata: {}, spec: { maxReplicas: 3, behavior: { scaleDown: { stabilizationWindowSeconds: 60 } } } };
  defaultHorizontalPodAutoscalerV2(hpa);
  const hs = hpa.spec as Record<string, any>;
  assert.equal(hs.minReplicas, 1);
  assert.equal(hs.behavior.scaleDown.stabilizationWindowSeconds, 60);
  assert.equal(hs.behavior.scaleUp.policies.length, 2);
  assert.equal(hs.metrics[0].resource.target.averageUtilization, 80);
});
