// Upstream SetDefaults for apps/v1 and batch/v1 workloads (and v1 ReplicationController).
import type { KubeObject } from '../object.js';
import { defaultPodTemplateSpec } from './pod.js';
import { ensure, isObj, type Obj, setDefault, setDefaultString } from './util.js';

function specOf(o: KubeObject): Obj {
  return ensure(o as unknown as Obj, 'spec');
}

export function defaultDeployment(d: KubeObject): void {
  const spec = specOf(d);
  setDefault(spec, 'replicas', 1);
  const strategy = ensure(spec, 'strategy');
  setDefaultString(strategy, 'type', 'RollingUpdate');
  if (strategy.type === 'RollingUpdate') {
    const ru = ensure(strategy, 'rollingUpdate');
    setDefault(ru, 'maxUnavailable', '25%');
    setDefault(ru, 'maxSurge', '25%');
  }
  setDefault(spec, 'revisionHistoryLimit', 10);
  setDefault(spec, 'progressDeadlineSeconds', 600);
  defaultPodTemplateSpec(ensure(spec, 'template'));
}

export function defaultReplicaSet(rs: KubeObject): void {
  const spec = specOf(rs);
  setDefault(spec, 'replicas', 1);
  defaultPodTemplateSpec(ensure(spec, 'template'));
}

/** RC selector and labels default from the template's labels. */
export function defaultReplicationController(rc: KubeObject): void {
  const spec = specOf(rc);
  setDefault(spec, 'replicas', 1);
  const template = spec.template;
  if (isObj(template)) {
    const labels = isObj(template.metadata) && isObj(template.metadata.labels) ? template.metadata.labels : undefined;
    if (labels && (!isObj(spec.selector) || Object.keys(spec.selector).length === 0)) spec.selector = { ...labels };
    if (labels && (!rc.metadata.labels || Object.keys(rc.metadata.labels).length === 0)) rc.metadata.labels = { ...(labels as Record<string, string>) };
    defaultPodTemplateSpec(template);
  }
}

export function defaultStatefulSet(sts: KubeObject): void {
  const spec = specOf(sts);
  setDefault(spec, 'replicas', 1);
  setDefaultString(spec, 'podManagementPolicy', 'OrderedReady');
  const us = ensure(spec, 'updateStrategy');
  setDefaultString(us, 'type', 'RollingUpdate');
  if (us.type === 'RollingUpdate') setDefault(ensure(us, 'rollingUpdate'), 'partition', 0);
  setDefault(spec, 'revisionHistoryLimit', 10);
  const retention = ensure(spec, 'persistentVolumeClaimRetentionPolicy');
  setDefaultString(retention, 'whenDeleted', 'Retain');
  setDefaultString(retention, 'whenScaled', 'Retain');
  for (const pvc of Array.isArray(spec.volumeClaimTemplates) ? spec.volumeClaimTemplates : []) {
    if (!isObj(pvc)) continue;
    setDefaultString(ensure(pvc, 'spec'), 'volumeMode', 'Filesystem');
    setDefault(pvc, 'apiVersion', 'v1');
    setDefault(pvc, 'kind', 'PersistentVolumeClaim');
  }
  defaultPodTemplateSpec(ensure(spec, 'template'));
}

export function defaultDaemonSet(ds: KubeObject): void {
  const spec = specOf(ds);
  const us = ensure(spec, 'updateStrategy');
  setDefaultString(us, 'type', 'RollingUpdate');
  if (us.type === 'RollingUpdate') {
    const ru = ensure(us, 'rollingUpdate');
    setDefault(ru, 'maxUnavailable', 1);
    setDefault(ru, 'maxSurge', 0);
  }
  setDefault(spec, 'revisionHistoryLimit', 10);
  defaultPodTemplateSpec(ensure(spec, 'template'));
}

function defaultJobSpec(spec: Obj): void {
  if (spec.completions === undefined || spec.completions === null) {
    setDefault(spec, 'completions', spec.parallelism === undefined || spec.parallelism === null ? 1 : null);
    if (spec.completions === null) delete spec.completions;
  }
  setDefault(spec, 'parallelism', 1);
  // Upstream: backoffLimit 6 unless backoffLimitPerIndex is set (then effectively unlimited).
  if (spec.backoffLimitPerIndex === undefined || spec.backoffLimitPerIndex === null) setDefault(spec, 'backoffLimit', 6);
  else setDefault(spec, 'backoffLimit', 2147483647);
  setDefaultString(spec, 'completionMode', 'NonIndexed');
  setDefault(spec, 'suspend', false);
  const podFailure = isObj(spec.podFailurePolicy);
  setDefaultString(spec, 'podReplacementPolicy', podFailure ? 'Failed' : 'TerminatingOrFailed');
  defaultPodTemplateSpec(ensure(spec, 'template'));
}

export function defaultJob(job: KubeObject): void {
  defaultJobSpec(specOf(job));
}

export function defaultCronJob(cj: KubeObject): void {
  const spec = specOf(cj);
  setDefaultString(spec, 'concurrencyPolicy', 'Allow');
  setDefault(spec, 'suspend', false);
  setDefault(spec, 'successfulJobsHistoryLimit', 3);
  setDefault(spec, 'failedJobsHistoryLimit', 1);
  defaultJobSpecForTemplate(ensure(ensure(spec, 'jobTemplate'), 'spec'));
}

/** A CronJob's job template gets the pod template defaults; job-level defaults apply when the Job is created. */
function defaultJobSpecForTemplate(spec: Obj): void {
  defaultPodTemplateSpec(ensure(spec, 'template'));
}

export { defaultJobSpec };
