// The pod a Job creates (pure): its template plus the job's labels, the tracking finalizer, the
// controller reference and, for Indexed jobs, the completion index (annotation, label, hostname
// and the JOB_COMPLETION_INDEX environment variable).
import type { KubeObject, OwnerReference } from '../../api/object.js';
import { JOB_COMPLETION_INDEX, JOB_TRACKING_FINALIZER, type Job } from './job-plan.js';

export const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name';
export const CONTROLLER_UID_LABEL = 'batch.kubernetes.io/controller-uid';

type Container = { env?: { name: string; [k: string]: unknown }[]; [k: string]: unknown };

function withIndexEnv(containers: unknown): Container[] | undefined {
  if (!Array.isArray(containers)) return undefined;
  return (containers as Container[]).map((c) => {
    if (c.env?.some((e) => e.name === 'JOB_COMPLETION_INDEX')) return c;
    const env = [...(c.env ?? []), { name: 'JOB_COMPLETION_INDEX', valueFrom: { fieldRef: { fieldPath: `metadata.annotations['${JOB_COMPLETION_INDEX}']` } } }];
    return { ...c, env };
  });
}

export function newJobPod(job: Job, ref: OwnerReference, index: number | undefined): KubeObject {
  const t = job.spec.template;
  const name = job.metadata.name!;
  const labels: Record<string, string> = {
    ...(t.metadata?.labels ?? {}),
    [CONTROLLER_UID_LABEL]: job.metadata.uid!,
    [JOB_NAME_LABEL]: name,
  };
  const annotations: Record<string, string> = { ...(t.metadata?.annotations ?? {}) };
  const spec = structuredClone(t.spec ?? {}) as Record<string, unknown>;
  if (index !== undefined) {
    labels[JOB_COMPLETION_INDEX] = String(index);
    annotations[JOB_COMPLETION_INDEX] = String(index);
    if (!spec.hostname) spec.hostname = `${name}-${index}`;
    const containers = withIndexEnv(spec.containers);
    if (containers) spec.containers = containers;
    const init = withIndexEnv(spec.initContainers);
    if (init) spec.initContainers = init;
  }
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: index === undefined ? `${name}-` : `${name}-${index}-`,
      namespace: job.metadata.namespace,
      labels,
      ...(Object.keys(annotations).length ? { annotations } : {}),
      finalizers: [JOB_TRACKING_FINALIZER],
      ownerReferences: [ref],
    },
    spec,
  };
}
