// Per-resource strategies and storage hooks: which type rules and side effects (Service IP and
// NodePort allocation, Secret stringData, graceful pod deletion, namespace termination) apply to
// each built-in resource. Allocations live in memory, rebuilt from stored Services at start.
import type { KubeObject } from '../api/object.js';
import type { ResourceInfo, ResourceStrategy } from '../api/registry/types.js';
import { strategyFor } from '../api/registry/strategies.js';
import { AllocationError, clusterIPError, IPAllocator, nodePortError, PortAllocator } from '../api/alloc/index.js';
import type { ResourceHooks } from '../apiserver/registry/resource-storage.js';

export class ServiceAllocations {
  readonly ips: IPAllocator;
  readonly ports = new PortAllocator();

  constructor(serviceCidr: string) {
    this.ips = new IPAllocator(serviceCidr);
  }

  /** Marks what stored Services already hold (called once their cache is filled). */
  seed(services: KubeObject[]): void {
    for (const s of services) {
      const spec = (s as any).spec ?? {};
      for (const ip of ipsOf(spec)) if (this.ips.contains(ip)) this.ips.markUsed(ip);
      for (const p of spec.ports ?? []) if (p.nodePort) this.ports.markUsed(p.nodePort);
    }
  }
}

function ipsOf(spec: any): string[] {
  const ips: string[] = spec.clusterIPs?.length ? spec.clusterIPs : spec.clusterIP ? [spec.clusterIP] : [];
  return ips.filter((ip) => ip && ip !== 'None');
}

function needsNodePorts(spec: any): boolean {
  return spec.type === 'NodePort' || (spec.type === 'LoadBalancer' && spec.allocateLoadBalancerNodePorts !== false);
}

/** Allocates the IP and node ports a Service needs; returns what it took so a failure can undo it. */
function allocateService(a: ServiceAllocations, svc: KubeObject, old: KubeObject | null): { ips: string[]; ports: number[] } {
  const spec = ((svc as any).spec ??= {});
  const name = svc.metadata.name ?? '';
  const taken = { ips: [] as string[], ports: [] as number[] };
  const undo = () => {
    for (const ip of taken.ips) a.ips.release(ip);
    for (const p of taken.ports) a.ports.release(p);
  };
  try {
    const oldSpec = (old as any)?.spec ?? {};
    if (spec.type !== 'ExternalName' && spec.clusterIP !== 'None' && !ipsOf(oldSpec).length) {
      const want: string | undefined = spec.clusterIP || spec.clusterIPs?.[0];
      if (want) {
        try {
          a.ips.allocate(want);
        } catch (err) {
          if (err instanceof AllocationError) throw clusterIPError(name, spec.clusterIPs ?? [want], want, err);
          throw err;
        }
        taken.ips.push(want);
      } else {
        let ip: string;
        try {
          ip = a.ips.allocateNext();
        } catch (err) {
          if (err instanceof AllocationError) throw clusterIPError(name, [], '', err);
          throw err;
        }
        taken.ips.push(ip);
        spec.clusterIP = ip;
        spec.clusterIPs = [ip];
      }
    }
    if (needsNodePorts(spec)) {
      const held = new Set<number>((oldSpec.ports ?? []).map((p: any) => p.nodePort).filter(Boolean));
      (spec.ports ?? []).forEach((p: any, i: number) => {
        if (p.nodePort && held.has(p.nodePort)) return;
        try {
          if (p.nodePort) a.ports.allocate(p.nodePort);
          else p.nodePort = a.ports.allocateNext();
        } catch (err) {
          if (err instanceof AllocationError) throw nodePortError(name, i, p.nodePort, err);
          throw err;
        }
        taken.ports.push(p.nodePort);
      });
    } else if (spec.type === 'ClusterIP' || spec.type === 'ExternalName') {
      for (const p of spec.ports ?? []) delete p.nodePort;
    }
  } catch (err) {
    undo();
    throw err;
  }
  return taken;
}

function releaseService(a: ServiceAllocations, spec: any, keep: any = {}): void {
  const keepIps = new Set(ipsOf(keep));
  const keepPorts = new Set((keep.ports ?? []).map((p: any) => p.nodePort));
  for (const ip of ipsOf(spec)) if (!keepIps.has(ip) && a.ips.contains(ip)) a.ips.release(ip);
  for (const p of spec.ports ?? []) if (p.nodePort && !keepPorts.has(p.nodePort)) a.ports.release(p.nodePort);
}

function serviceHooks(a: ServiceAllocations): ResourceHooks {
  const pending = new WeakMap<KubeObject, { ips: string[]; ports: number[] }>();
  const undo = (obj: KubeObject) => {
    const t = pending.get(obj);
    if (!t) return;
    for (const ip of t.ips) a.ips.release(ip);
    for (const p of t.ports) a.ports.release(p);
    pending.delete(obj);
  };
  return {
    beforeCreate: (svc) => void pending.set(svc, allocateService(a, svc, null)),
    createFailed: undo,
    beforeUpdate: (svc, old) => void pending.set(svc, allocateService(a, svc, old)),
    updateFailed: undo,
    afterUpdate: (svc, old) => {
      pending.delete(svc);
      releaseService(a, (old as any).spec ?? {}, (svc as any).spec ?? {});
    },
    afterDelete: (svc) => releaseService(a, (svc as any).spec ?? {}),
  };
}

/** Secret.stringData is a write-only convenience merged into data. */
function withStringData(s: ResourceStrategy): ResourceStrategy {
  const merge = (obj: KubeObject) => {
    const sd = (obj as any).stringData;
    if (!sd || typeof sd !== 'object') return;
    const data = ((obj as any).data ??= {});
    for (const [k, v] of Object.entries(sd)) data[k] = Buffer.from(String(v), 'utf8').toString('base64');
    delete (obj as any).stringData;
  };
  return {
    ...s,
    prepareForCreate: (obj, ctx) => (merge(obj), s.prepareForCreate?.(obj, ctx)),
    prepareForUpdate: (obj, old, ctx) => (merge(obj), s.prepareForUpdate?.(obj, old, ctx)),
  };
}

export interface RulesContext {
  services: ServiceAllocations;
}

export function strategyAndHooks(info: ResourceInfo, ctx: RulesContext): { strategy: ResourceStrategy; hooks: ResourceHooks } {
  let strategy = strategyFor(info.group, info.kind);
  let hooks: ResourceHooks = {};
  if (info.group === '') {
    switch (info.plural) {
      case 'pods':
        hooks.gracePeriod = podGracePeriod;
        break;
      case 'namespaces':
        hooks.typeFinalizers = (ns) => ((ns as any).spec?.finalizers as string[] | undefined) ?? [];
        hooks.markDeleting = (ns) => {
          (ns as any).status = { ...((ns as any).status ?? {}), phase: 'Terminating' };
        };
        break;
      case 'services':
        hooks = serviceHooks(ctx.services);
        break;
      case 'secrets':
        strategy = withStringData(strategy);
        break;
      case 'nodes':
        strategy = { ...strategy, keepStatusOnCreate: true };
        break;
    }
  }
  return { strategy, hooks };
}

/** Pods bound to a node get their grace period; unscheduled or finished pods go at once. */
export function podGracePeriod(pod: KubeObject, requested: number | undefined): number {
  const spec = (pod as any).spec ?? {};
  const phase = (pod as any).status?.phase;
  if (!spec.nodeName || phase === 'Succeeded' || phase === 'Failed') return 0;
  const grace = requested ?? spec.terminationGracePeriodSeconds ?? 30;
  return Math.max(0, grace);
}
