// Builders for scheduler unit tests (not a test file itself).
import type { Node, Pod } from '../../src/scheduler/api-types.js';
import { SchedulerCache } from '../../src/scheduler/cache.js';

export function node(name: string, o: { cpu?: string; memory?: string; pods?: string; labels?: Record<string, string>; taints?: Node['spec'] extends infer S ? S extends { taints?: infer T } ? T : never : never; unschedulable?: boolean; images?: { names: string[]; sizeBytes: number }[] } = {}): Node {
  const alloc = { cpu: o.cpu ?? '4', memory: o.memory ?? '8Gi', pods: o.pods ?? '110' };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...o.labels } },
    spec: { taints: o.taints, unschedulable: o.unschedulable },
    status: { allocatable: alloc, capacity: alloc, images: o.images },
  };
}

export function pod(name: string, o: Partial<Pod['spec']> & { cpu?: string; memory?: string; labels?: Record<string, string>; namespace?: string; image?: string } = {}): Pod {
  const { cpu, memory, labels, namespace, image, ...spec } = o;
  const requests: Record<string, string> = {};
  if (cpu) requests.cpu = cpu;
  if (memory) requests.memory = memory;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: namespace ?? 'default', uid: `uid-${name}`, labels },
    spec: { schedulerName: 'default-scheduler', containers: [{ name: 'c', image: image ?? 'nginx', resources: { requests } }], ...spec },
  };
}

export function cacheWith(nodes: Node[], placed: [Pod, string][] = []): SchedulerCache {
  const c = new SchedulerCache();
  for (const n of nodes) c.addOrUpdateNode(n);
  for (const [p, n] of placed) c.addOrUpdatePod({ ...p, spec: { ...p.spec, nodeName: n } });
  return c;
}
