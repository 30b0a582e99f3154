// ClusterRoleAggregationController (upstream's "clusterrole-aggregation"): fills the rules of
// every ClusterRole that has an aggregationRule with the rules of the ClusterRoles its
// selectors match. It writes only the `rules` of aggregating ClusterRoles; it never creates or
// deletes roles and never touches roles without an aggregationRule.
import type { KubeObject } from '../../api/object.js';
import { selectorFromSpec } from '../../api/selectors/label-selector.js';
import { R } from '../../client/resources.js';
import { isNotFound } from '../../client/types.js';
import type { InformerStore } from '../../client/informer-types.js';
import { WorkQueue } from '../../client/workqueue.js';
import type { PolicyRule, RoleObject } from '../../auth/authz/rbac-types.js';
import type { Controller, ControllerDeps, ControllerDescriptor } from '../types.js';
import { processQueue } from '../process-queue.js';

const ruleKey = (r: PolicyRule) => JSON.stringify([r.verbs ?? [], r.apiGroups ?? [], r.resources ?? [], r.resourceNames ?? [], r.nonResourceURLs ?? []]);

/** The rules an aggregating role should hold: matching roles by selector, then by name; each rule once. */
export function aggregatedRules(role: RoleObject, all: readonly RoleObject[]): PolicyRule[] {
  const out: PolicyRule[] = [];
  const seen = new Set<string>();
  const byName = [...all].sort((a, b) => (a.metadata.name! < b.metadata.name! ? -1 : a.metadata.name! > b.metadata.name! ? 1 : 0));
  for (const sel of role.aggregationRule?.clusterRoleSelectors ?? []) {
    const matches = selectorFromSpec(sel as any);
    for (const other of byName) {
      if (other.metadata.name === role.metadata.name || !matches(other.metadata.labels)) continue;
      for (const rule of other.rules ?? []) {
        const k = ruleKey(rule);
        if (seen.has(k)) continue;
        seen.add(k);
        out.push(rule);
      }
    }
  }
  return out;
}

export function rulesEqual(a: readonly PolicyRule[] | null | undefined, b: readonly PolicyRule[] | null | undefined): boolean {
  const x = a ?? [];
  const y = b ?? [];
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (ruleKey(x[i]) !== ruleKey(y[i])) return false;
  return true;
}

export class ClusterRoleAggregationController implements Controller {
  private readonly queue = new WorkQueue(5, 30_000);

  constructor(private readonly deps: ControllerDeps) {}

  async run(signal: AbortSignal): Promise<void> {
    const roles = this.deps.informers.informerFor<RoleObject>(R.clusterroles);
    // Any change may alter what some aggregating role selects: requeue every aggregating role.
    const enqueueAll = () => {
      for (const r of roles.store.list()) if (r.aggregationRule) this.queue.add(r.metadata.name!);
    };
    roles.addEventHandler({ onAdd: enqueueAll, onUpdate: enqueueAll, onDelete: enqueueAll });
    signal.addEventListener('abort', () => this.queue.shutdown(), { once: true });
    await this.deps.informers.waitForSync(signal);
    enqueueAll();
    await processQueue(this.queue, (key) => this.sync(key, roles.store), (err, key) => this.deps.logger.warn({ err, clusterRole: key }, 'aggregating cluster role failed'));
  }

  private async sync(name: string, store: InformerStore<RoleObject>): Promise<void> {
    const role = store.get(name);
    if (!role?.aggregationRule) return;
    const rules = aggregatedRules(role, store.list());
    if (rulesEqual(role.rules, rules)) return;
    try {
      await this.deps.client.update<KubeObject>(R.clusterroles, '', { ...role, rules } as RoleObject);
    } catch (err) {
      // Deleted meanwhile: nothing to fill. Conflicts (cache behind) are retried by the queue.
      if (isNotFound(err)) return;
      throw err;
    }
  }
}

export const clusterRoleAggregationControllerDescriptor: ControllerDescriptor = {
  name: 'clusterrole-aggregation',
  create: (deps) => new ClusterRoleAggregationController(deps),
};
