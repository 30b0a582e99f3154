// A MetricsSource for simulated clusters: pod usage read from annotations on the pods in the
// informer cache (k8ts.io/sim-cpu-millis, k8ts.io/sim-memory-bytes), so tests and demos can set
// utilisation with `kubectl annotate`. Pods without the cpu annotation report no metrics.
import { compileRequirements, parseLabelSelector } from '../../api/selectors/label-selector.js';
import type { InformerStore } from '../../client/informer-types.js';
import type { MetricsSource, PodMetric } from './replica-calculator.js';

export const SIM_CPU_ANNOTATION = 'k8ts.io/sim-cpu-millis';
export const SIM_MEMORY_ANNOTATION = 'k8ts.io/sim-memory-bytes';

export function annotationMetricsSource(pods: () => InformerStore): MetricsSource {
  return {
    async podMetrics(namespace, selector) {
      const matches = compileRequirements(parseLabelSelector(selector));
      const out: PodMetric[] = [];
      for (const p of pods().list()) {
        if (p.metadata.namespace !== namespace || !matches(p.metadata.labels)) continue;
        const cpu = p.metadata.annotations?.[SIM_CPU_ANNOTATION];
        if (cpu === undefined || !/^\d+$/.test(cpu)) continue;
        const mem = Number(p.metadata.annotations?.[SIM_MEMORY_ANNOTATION] ?? 0);
        out.push({ name: p.metadata.name!, cpuMillis: Number(cpu), memoryBytes: Number.isFinite(mem) ? mem : 0 });
      }
      return out;
    },
  };
}
