// Per-resource strategies and storage hooks: which type rules and side effects (IP and port
// allocation, graceful pod deletion) apply to each built-in resource.
import type { KubeObject } from '../api/object.js';
import type { ResourceInfo, ResourceStrategy } from '../api/registry/types.js';
import type { ResourceHooks, ResourceStorage } from '../apiserver/registry/resource-storage.js';

export interface RulesContext {
  storages: Map<string, ResourceStorage>;
  serviceCidr: string;
}

function strategyFor(_group: string, _kind: string): ResourceStrategy {
  return {};
}

export function strategyAndHooks(info: ResourceInfo, _ctx: RulesContext): { strategy: ResourceStrategy; hooks: ResourceHooks } {
  const strategy = strategyFor(info.group, info.kind);
  const hooks: ResourceHooks = {};
  if (info.group === '' && info.plural === 'pods') hooks.gracePeriod = podGracePeriod;
  if (info.group === '' && info.plural === 'namespaces') {
    hooks.typeFinalizers = (ns) => ((ns as any).spec?.finalizers as string[] | undefined) ?? [];
    hooks.markDeleting = (ns) => {
      (ns as any).status = { ...((ns as any).status ?? {}), phase: 'Terminating' };
    };
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
