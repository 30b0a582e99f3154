// HorizontalPodAutoscalerController: upstream's "horizontal-pod-autoscaling" controller for
// autoscaling/v2 objects with Resource metrics (cpu, memory). Every sync period it reads the
// target's /scale subresource, asks the MetricsSource for pod usage, computes the desired count
// (replica-calculator.ts), stabilizes and bounds it (behavior.ts), writes /scale when it changes
// (event SuccessfulRescale) and the HPA status. It writes only the target's scale and HPA status.
import type { KubeObject } from '../../api/object.js';
import { compileRequirements, parseLabelSelector } from '../../api/selectors/label-selector.js';
import { R, objectKey, splitKey } from '../../client/resources.js';
import { isNotFound, type GroupVersionResource } from '../../client/types.js';
import { WorkQueue } from '../../client/workqueue.js';
import { jsonEqual } from '../endpoint/endpoints.js';
import type { Controller, ControllerDeps, ControllerDescriptor } from '../types.js';
import { normalizeReplicas, type Condition, type Recommendation } from './behavior.js';
import { annotationMetricsSource } from './metrics-source.js';
import { metricDescription, resourceReplicas, resourceTargets, type MetricsSource } from './replica-calculator.js';
import { processQueue } from '../process-queue.js';

export interface PodAutoscalerOptions {
  metrics?: MetricsSource;
  /** How often every HPA is reconciled (upstream --horizontal-pod-autoscaler-sync-period, 15 s). */
  syncPeriodMs?: number;
  /** Default scale-down stabilization window (upstream 300 s). */
  downscaleStabilizationSeconds?: number;
  tolerance?: number;
  workers?: number;
}

const KNOWN_TARGETS: Record<string, GroupVersionResource> = {
  'apps/Deployment': R.deployments,
  'apps/ReplicaSet': R.replicasets,
  'apps/StatefulSet': R.statefulsets,
  '/ReplicationController': R.replicationcontrollers,
};

/** The resource a scaleTargetRef names (well-known kinds; otherwise the lower-cased plural guess). */
export function targetResource(ref: { apiVersion?: string; kind: string }): GroupVersionResource {
  const apiVersion = ref.apiVersion ?? 'v1';
  const i = apiVersion.indexOf('/');
  const group = i < 0 ? '' : apiVersion.slice(0, i);
  const version = i < 0 ? apiVersion : apiVersion.slice(i + 1);
  return KNOWN_TARGETS[`${group}/${ref.kind}`] ?? { group, version, resource: `${ref.kind.toLowerCase()}s` };
}

type ConditionType = 'AbleToScale' | 'ScalingActive' | 'ScalingLimited';

export class HorizontalPodAutoscalerController implements Controller {
  private readonly queue = new WorkQueue(100, 60_000);
  private readonly recommendations = new Map<string, Recommendation[]>();
  private readonly metrics: MetricsSource;

  constructor(private readonly deps: ControllerDeps, private readonly opts: PodAutoscalerOptions = {}) {
    this.metrics = opts.metrics ?? annotationMetricsSource(() => deps.informers.informerFor(R.pods).store);
  }

  async run(signal: AbortSignal): Promise<void> {
    const { informers } = this.deps;
    const hpas = informers.informerFor(R.horizontalpodautoscalers);
    informers.informerFor(R.pods);
    const enqueue = (o: KubeObject) => this.queue.add(objectKey(o));
    hpas.addEventHandler({
      onAdd: enqueue,
      onUpdate: (o, n) => {
        if (o.metadata.generation !== n.metadata.generation) enqueue(n);
      },
      onDelete: (o) => this.recommendations.delete(objectKey(o)),
    });
    signal.addEventListener('abort', () => this.queue.shutdown(), { once: true });
    await informers.waitForSync(signal);
    const timer = setInterval(() => {
      for (const h of hpas.store.list()) enqueue(h);
    }, this.opts.syncPeriodMs ?? 15_000);
    signal.addEventListener('abort', () => clearInterval(timer), { once: true });
    await Promise.all(Array.from({ length: this.opts.workers ?? 2 }, () => this.worker()));
  }

  private async worker(): Promise<void> {
    await processQueue(this.queue, (key) => this.sync(key), (err, key) => this.deps.logger.warn({ err, hpa: key }, 'syncing HorizontalPodAutoscaler failed'));
  }

  async sync(key: string): Promise<void> {
    const { informers, client, clock, recorder } = this.deps;
    const hpa = informers.informerFor(R.horizontalpodautoscalers).store.get(key);
    if (!hpa || hpa.metadata.deletionTimestamp) return;
    const { namespace } = splitKey(key);
    const spec = (hpa as any).spec ?? {};
    const prev = (hpa as any).status ?? {};
    const now = clock.now();
    const nowIso = now.toISOString().replace(/\.\d+Z$/, 'Z');
    const conditions = new Map<ConditionType, Condition>();
    const status: any = { ...prev, observedGeneration: hpa.metadata.generation };
    const writeStatus = async () => {
      status.conditions = this.mergeConditions(prev.conditions ?? [], conditions, nowIso);
      if (jsonEqual(prev, status)) return;
      try {
        await client.update(R.horizontalpodautoscalers, namespace, { ...hpa, status }, { subresource: 'status' });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    };

    const gvr = targetResource(spec.scaleTargetRef ?? { kind: '' });
    let scale: any;
    try {
      scale = await client.get(gvr, namespace, spec.scaleTargetRef?.name, { subresource: 'scale' });
    } catch (err) {
      const msg = `the HPA controller was unable to get the target's current scale: ${(err as Error).message}`;
      conditions.set('AbleToScale', { status: 'False', reason: 'FailedGetScale', message: msg });
      recorder.event(hpa, 'Warning', 'FailedGetScale', (err as Error).message);
      await writeStatus();
      return;
    }
    const current: number = scale.spec?.replicas ?? 0;
    const minReplicas: number = spec.minReplicas ?? 1;
    const maxReplicas: number = spec.maxReplicas ?? minReplicas;
    status.currentReplicas = scale.status?.replicas ?? current;

    let desired = current;
    let rescaleReason = '';
    if (current === 0 && minReplicas !== 0) {
      conditions.set('ScalingActive', { status: 'False', reason: 'ScalingDisabled', message: 'scaling is disabled since the replica count of the target is zero' });
      status.desiredReplicas = 0;
      status.currentMetrics = prev.currentMetrics ?? null;
    } else if (current > maxReplicas || current < minReplicas) {
      desired = current > maxReplicas ? maxReplicas : minReplicas;
      rescaleReason = current > maxReplicas ? 'Current number of replicas above Spec.MaxReplicas' : 'Current number of replicas below Spec.MinReplicas';
      conditions.set('ScalingLimited', current > maxReplicas
        ? { status: 'True', reason: 'TooManyReplicas', message: 'the desired replica count is more than the maximum replica count' }
        : { status: 'True', reason: 'TooFewReplicas', message: 'the desired replica count is less than the minimum replica count' });
    } else {
      const proposal = await this.proposal(hpa, namespace, scale, current);
      if ('error' in proposal) {
        conditions.set('ScalingActive', { status: 'False', reason: proposal.reason, message: `the HPA was unable to compute the replica count: ${proposal.error}` });
        conditions.set('AbleToScale', { status: 'True', reason: 'SucceededGetScale', message: 'the HPA controller was able to get the target\'s current scale' });
        recorder.event(hpa, 'Warning', proposal.reason, proposal.error);
        status.desiredReplicas = current;
        await writeStatus();
        return;
      }
      status.currentMetrics = proposal.currentMetrics;
      conditions.set('ScalingActive', { status: 'True', reason: 'ValidMetricFound', message: `the HPA was able to successfully calculate a replica count from ${proposal.description}` });
      const normalized = normalizeReplicas({
        currentReplicas: current,
        proposed: proposal.replicas,
        minReplicas,
        maxReplicas,
        behavior: spec.behavior,
        history: this.recommendations.get(key) ?? [],
        nowMs: now.getTime(),
        defaultDownWindowSeconds: this.opts.downscaleStabilizationSeconds ?? 300,
      });
      this.recommendations.set(key, normalized.history);
      conditions.set('AbleToScale', normalized.ableToScale);
      conditions.set('ScalingLimited', normalized.scalingLimited);
      desired = normalized.desired;
      rescaleReason = desired > current ? `${proposal.description} above target` : 'All metrics below target';
    }

    if (desired !== current) {
      try {
        await client.update(gvr, namespace, { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: scale.metadata.name, namespace, resourceVersion: scale.metadata.resourceVersion }, spec: { replicas: desired } } as KubeObject, { subresource: 'scale' });
      } catch (err) {
        conditions.set('AbleToScale', { status: 'False', reason: 'FailedUpdateScale', message: `the HPA controller was unable to update the target scale: ${(err as Error).message}` });
        recorder.event(hpa, 'Warning', 'FailedRescale', `New size: ${desired}; reason: ${rescaleReason}; error: ${(err as Error).message}`);
        await writeStatus();
        throw err;
      }
      conditions.set('AbleToScale', { status: 'True', reason: 'SucceededRescale', message: `the HPA controller was able to update the target scale to ${desired}` });
      recorder.event(hpa, 'Normal', 'SuccessfulRescale', `New size: ${desired}; reason: ${rescaleReason}`);
      status.lastScaleTime = nowIso;
    }
    status.desiredReplicas = desired;
    await writeStatus();
  }

  /** The largest replica count any Resource metric asks for, with the metric status. */
  private async proposal(hpa: KubeObject, namespace: string, scale: any, current: number): Promise<{ replicas: number; description: string; currentMetrics: unknown[] } | { error: string; reason: string }> {
    const selector: string | undefined = scale.status?.selector;
    if (!selector) return { error: 'selector is required', reason: 'InvalidSelector' };
    let matches;
    try {
      matches = compileRequirements(parseLabelSelector(selector));
    } catch {
      return { error: `couldn't convert selector into a corresponding internal selector object: ${selector}`, reason: 'InvalidSelector' };
    }
    const pods = this.deps.informers.informerFor(R.pods).store.list().filter((p) => p.metadata.namespace === namespace && matches(p.metadata.labels));
    const { targets, unsupported } = resourceTargets((hpa as any).spec);
    if (!targets.length) return { error: `unsupported metrics: ${unsupported.join(', ')}`, reason: 'FailedGetResourceMetric' };
    let metrics;
    try {
      metrics = await this.metrics.podMetrics(namespace, selector);
    } catch (err) {
      return { error: `unable to get metrics: ${(err as Error).message}`, reason: 'FailedGetResourceMetric' };
    }
    let best: { replicas: number; description: string } | undefined;
    const currentMetrics: unknown[] = [];
    for (const t of targets) {
      try {
        const r = resourceReplicas(current, t, pods, metrics, this.opts.tolerance);
        const averageValue = t.name === 'cpu' ? `${r.averageValue}m` : String(r.averageValue);
        currentMetrics.push({ type: 'Resource', resource: { name: t.name, current: r.utilization !== undefined ? { averageUtilization: r.utilization, averageValue } : { averageValue } } });
        if (!best || r.replicas > best.replicas) best = { replicas: r.replicas, description: metricDescription(t) };
      } catch (err) {
        return { error: `failed to get ${t.name} utilization: ${(err as Error).message}`, reason: 'FailedGetResourceMetric' };
      }
    }
    return { ...best!, currentMetrics };
  }

  /** Conditions keep their lastTransitionTime while their status stays the same. */
  private mergeConditions(prev: any[], next: Map<ConditionType, Condition>, nowIso: string): unknown[] {
    const out: any[] = [];
    for (const type of ['AbleToScale', 'ScalingActive', 'ScalingLimited'] as ConditionType[]) {
      const old = prev.find((c) => c.type === type);
      const c = next.get(type);
      if (!c) {
        if (old) out.push(old);
        continue;
      }
      out.push({ type, status: c.status, lastTransitionTime: old && old.status === c.status ? old.lastTransitionTime : nowIso, reason: c.reason, message: c.message });
    }
    return out;
  }
}

export const horizontalPodAutoscalerControllerDescriptor: ControllerDescriptor = horizontalPodAutoscalerDescriptorWith({});

/** The descriptor with options (a MetricsSource; without one, pod annotations are the metrics). */
export function horizontalPodAutoscalerDescriptorWith(opts: PodAutoscalerOptions): ControllerDescriptor {
  return { name: 'horizontal-pod-autoscaling', create: (deps) => new HorizontalPodAutoscalerController(deps, opts) };
}
