// HorizontalPodAutoscaler autoscaling/v1 <-> autoscaling/v2. v1 only knows a CPU utilisation
// target; other v2 metrics survive a v1 round trip in the annotation upstream uses.
import type { KubeObject } from '../object.js';
import type { VersionConverter } from './types.js';

const METRICS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/metrics';
const CONDITIONS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/conditions';
const CURRENT_METRICS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/current-metrics';

function isCpuUtilization(m: any): boolean {
  return m?.type === 'Resource' && m.resource?.name === 'cpu' && m.resource?.target?.type === 'Utilization';
}

export function hpaV2ToV1(obj: KubeObject): KubeObject {
  const o = structuredClone(obj) as any;
  o.apiVersion = 'autoscaling/v1';
  const spec = o.spec ?? {};
  const metrics: any[] = spec.metrics ?? [];
  const cpu = metrics.find(isCpuUtilization);
  const others = metrics.filter((m) => !isCpuUtilization(m));
  const annotations = { ...(o.metadata.annotations ?? {}) };
  if (others.length) annotations[METRICS_ANNOTATION] = JSON.stringify(others);
  const status = o.status ?? {};
  if (status.conditions?.length) annotations[CONDITIONS_ANNOTATION] = JSON.stringify(status.conditions);
  const curOthers = (status.currentMetrics ?? []).filter((m: any) => !(m.type === 'Resource' && m.resource?.name === 'cpu'));
  if (curOthers.length) annotations[CURRENT_METRICS_ANNOTATION] = JSON.stringify(curOthers);
  if (Object.keys(annotations).length) o.metadata.annotations = annotations;
  o.spec = {
    scaleTargetRef: spec.scaleTargetRef,
    ...(spec.minReplicas !== undefined ? { minReplicas: spec.minReplicas } : {}),
    maxReplicas: spec.maxReplicas,
    ...(cpu ? { targetCPUUtilizationPercentage: cpu.resource.target.averageUtilization } : {}),
  };
  if (o.status) {
    const curCpu = (status.currentMetrics ?? []).find((m: any) => m.type === 'Resource' && m.resource?.name === 'cpu');
    o.status = {
      ...(status.observedGeneration !== undefined ? { observedGeneration: status.observedGeneration } : {}),
      ...(status.lastScaleTime ? { lastScaleTime: status.lastScaleTime } : {}),
      currentReplicas: status.currentReplicas ?? 0,
      desiredReplicas: status.desiredReplicas ?? 0,
      ...(curCpu?.resource?.current?.averageUtilization !== undefined ? { currentCPUUtilizationPercentage: curCpu.resource.current.averageUtilization } : {}),
    };
  }
  return o;
}

export function hpaV1ToV2(obj: KubeObject): KubeObject {
  const o = structuredClone(obj) as any;
  o.apiVersion = 'autoscaling/v2';
  const spec = o.spec ?? {};
  const annotations = { ...(o.metadata?.annotations ?? {}) };
  let metrics: any[] = [];
  if (annotations[METRICS_ANNOTATION]) {
    try {
      metrics = JSON.parse(annotations[METRICS_ANNOTATION]);
    } catch {
      metrics = [];
    }
    delete annotations[METRICS_ANNOTATION];
  }
  delete annotations[CONDITIONS_ANNOTATION];
  delete annotations[CURRENT_METRICS_ANNOTATION];
  if (o.metadata) {
    if (Object.keys(annotations).length) o.metadata.annotations = annotations;
    else delete o.metadata.annotations;
  }
  if (spec.targetCPUUtilizationPercentage !== undefined) {
    metrics.unshift({ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: spec.targetCPUUtilizationPercentage } } });
  }
  o.spec = {
    scaleTargetRef: spec.scaleTargetRef,
    ...(spec.minReplicas !== undefined ? { minReplicas: spec.minReplicas } : {}),
    maxReplicas: spec.maxReplicas,
    ...(metrics.length ? { metrics } : {}),
  };
  if (o.status) {
    const s = o.status;
    o.status = {
      ...(s.observedGeneration !== undefined ? { observedGeneration: s.observedGeneration } : {}),
      ...(s.lastScaleTime ? { lastScaleTime: s.lastScaleTime } : {}),
      currentReplicas: s.currentReplicas ?? 0,
      desiredReplicas: s.desiredReplicas ?? 0,
      ...(s.currentCPUUtilizationPercentage !== undefined
        ? { currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: s.currentCPUUtilizationPercentage } } }] }
        : {}),
    };
  }
  return o;
}

export const hpaConverter: VersionConverter = {
  storageVersion: 'autoscaling/v2',
  fromStorage: (obj, v) => (v === 'autoscaling/v1' ? hpaV2ToV1(obj) : obj),
  toStorage: (obj, v) => (v === 'autoscaling/v1' ? hpaV1ToV2(obj) : obj),
};
