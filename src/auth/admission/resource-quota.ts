// ResourceQuota admission (validating): charges each create against every quota of the
// namespace that covers it and refuses it when the quota's used + the request would exceed hard.
// Admissions in one namespace are serialised and their charges remembered until the quota's
// status changes, so a burst of creates cannot slip past a controller that has not caught up.
import type { KubeObject } from '../../api/object.js';
import { add, formatQuantity, parseQuantity, zero, type Quantity } from '../../api/quantity.js';
import { computeUsed, countedResource, podMatchesScopes } from '../../controllers/resourcequota/usage.js';
import type { AdmissionPlugin } from '../types.js';
import { admissionForbidden, podSpec, type AdmissionRequest } from './attributes.js';
import type { ObjectLookup } from './lookup.js';

// Compute resources a pod must declare for each container when a quota tracks them.
const VALIDATION_SET = new Set(['cpu', 'memory', 'requests.cpu', 'requests.memory', 'limits.cpu', 'limits.memory']);

/** Quota keys a container's requests/limits satisfy (upstream podComputeUsageHelper). */
function containerKeys(c: any): Set<string> {
  const keys = new Set<string>();
  const req = c.resources?.requests ?? {};
  const lim = c.resources?.limits ?? {};
  for (const r of ['cpu', 'memory', 'ephemeral-storage']) {
    if (req[r] !== undefined) keys.add(r).add(`requests.${r}`);
    if (lim[r] !== undefined) keys.add(`limits.${r}`);
  }
  return keys;
}

/** `must specify limits.cpu for: a,b; requests.memory for: a`, or undefined when nothing is missing. */
export function missingConstraints(pod: KubeObject, hard: Record<string, unknown>): string | undefined {
  const required = Object.keys(hard).filter((k) => VALIDATION_SET.has(k));
  if (!required.length) return undefined;
  const missing = new Map<string, Set<string>>();
  const spec = podSpec(pod);
  for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) {
    const have = containerKeys(c);
    for (const r of required) if (!have.has(r)) (missing.get(r) ?? missing.set(r, new Set()).get(r)!).add(c.name);
  }
  if (!missing.size) return undefined;
  return `must specify ${[...missing.keys()].sort().map((r) => `${r} for: ${[...missing.get(r)!].sort().join(',')}`).join('; ')}`;
}

function scopesOf(quota: KubeObject): string[] | undefined {
  const spec = (quota as any).spec ?? {};
  const scopes: string[] = [...(spec.scopes ?? [])];
  for (const e of spec.scopeSelector?.matchExpressions ?? []) {
    // Only the Exists form of the built-in scopes is understood; other selectors (PriorityClass
    // values, cross-namespace affinity) leave the quota out of admission rather than guess.
    if (e.operator !== 'Exists' || !['Terminating', 'NotTerminating', 'BestEffort', 'NotBestEffort'].includes(e.scopeName)) return undefined;
    scopes.push(e.scopeName);
  }
  return scopes;
}

/** The usage one new object adds, for the keys of hard it affects (zero entries dropped). */
export function usageDelta(group: string, plural: string, obj: KubeObject, hard: Record<string, unknown>, scopes: readonly string[]): Record<string, Quantity> {
  const self = group ? `${plural}.${group}` : plural;
  const used = computeUsed(hard, scopes, (r) => (r === self ? [obj] : undefined), Date.now());
  const out: Record<string, Quantity> = {};
  for (const [k, v] of Object.entries(used)) {
    const counted = countedResource(k);
    if (counted !== undefined && counted !== self) continue;
    const qv = parseQuantity(v);
    if (qv && qv.nano !== 0n) out[k] = qv;
  }
  return out;
}

const pretty = (keys: readonly string[], list: Record<string, Quantity | undefined>) => keys.map((k) => `${k}=${formatQuantity(list[k] ?? zero())}`).join(',');

interface Charge {
  resourceVersion: string;
  used: Record<string, Quantity>;
}

export class ResourceQuotaAdmission implements AdmissionPlugin {
  readonly name = 'ResourceQuota';
  private readonly locks = new Map<string, Promise<void>>();
  private readonly charges = new Map<string, Charge>();

  constructor(private readonly lookup: ObjectLookup) {}

  async validate(a: AdmissionRequest): Promise<void> {
    if (a.operation !== 'CREATE' || a.subresource || !a.object) return;
    const prev = this.locks.get(a.namespace) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((r) => (release = r));
    const tail = prev.then(() => mine);
    this.locks.set(a.namespace, tail);
    await prev;
    try {
      await this.check(a);
    } finally {
      release();
      if (this.locks.get(a.namespace) === tail) this.locks.delete(a.namespace);
    }
  }

  private async check(a: AdmissionRequest): Promise<void> {
    if (!a.namespace) return;
    const quotas = await this.lookup.list('', 'resourcequotas', a.namespace);
    if (!quotas.length) return;
    const isPod = a.info.group === '' && a.info.plural === 'pods';
    const pending: Array<[string, Charge]> = [];
    for (const quota of quotas.sort((x, y) => (x.metadata.name! < y.metadata.name! ? -1 : 1))) {
      const hard: Record<string, unknown> = (quota as any).spec?.hard ?? {};
      const scopes = scopesOf(quota);
      if (!scopes) continue;
      if (scopes.length && (!isPod || !podMatchesScopes(a.object!, scopes))) continue;
      const delta = usageDelta(a.info.group, a.info.plural, a.object!, hard, scopes);
      if (isPod) {
        const missing = missingConstraints(a.object!, hard);
        if (missing) throw admissionForbidden(a, `failed quota: ${quota.metadata.name}: ${missing}`);
      }
      const keys = Object.keys(delta).filter((k) => k in hard);
      if (!keys.length) continue;
      const used = await this.currentUsed(quota, keys);
      const next: Record<string, Quantity> = {};
      const exceeded: string[] = [];
      for (const k of keys) {
        next[k] = add(used[k] ?? zero(), delta[k]!);
        const limit = parseQuantity(hard[k]);
        if (limit && next[k]!.nano > limit.nano) exceeded.push(k);
      }
      if (exceeded.length) {
        exceeded.sort();
        const hardQ = Object.fromEntries(exceeded.map((k) => [k, parseQuantity(hard[k])]));
        throw admissionForbidden(a, `exceeded quota: ${quota.metadata.name}, requested: ${pretty(exceeded, delta)}, used: ${pretty(exceeded, used)}, limited: ${pretty(exceeded, hardQ)}`);
      }
      pending.push([quota.metadata.uid ?? `${a.namespace}/${quota.metadata.name}`, { resourceVersion: quota.metadata.resourceVersion ?? '', used: { ...used, ...next } }]);
    }
    if (!a.dryRun) for (const [id, charge] of pending) this.charges.set(id, charge);
  }

  /** status.used, overlaid with charges admitted since that status was written; keys without status are counted from the lookup. */
  private async currentUsed(quota: KubeObject, keys: readonly string[]): Promise<Record<string, Quantity>> {
    const id = quota.metadata.uid ?? `${quota.metadata.namespace}/${quota.metadata.name}`;
    const charge = this.charges.get(id);
    if (charge && charge.resourceVersion === quota.metadata.resourceVersion) return charge.used;
    this.charges.delete(id);
    const status: Record<string, unknown> = (quota as any).status?.used ?? {};
    const out: Record<string, Quantity> = {};
    for (const [k, v] of Object.entries(status)) {
      const qv = parseQuantity(v);
      if (qv) out[k] = qv;
    }
    const unknown = keys.filter((k) => !(k in out));
    if (unknown.length) {
      const hard = Object.fromEntries(unknown.map((k) => [k, '0']));
      const lists = new Map<string, KubeObject[]>();
      for (const k of unknown) {
        const r = countedResource(k) ?? (k.includes('storage') || k.endsWith('persistentvolumeclaims') ? 'persistentvolumeclaims' : k.startsWith('services.') ? 'services' : 'pods');
        if (lists.has(r)) continue;
        const dot = r.indexOf('.');
        lists.set(r, await this.lookup.list(dot < 0 ? '' : r.slice(dot + 1), dot < 0 ? r : r.slice(0, dot), quota.metadata.namespace ?? ''));
      }
      const computed = computeUsed(hard, scopesOf(quota) ?? [], (r) => lists.get(r), Date.now());
      for (const [k, v] of Object.entries(computed)) out[k] = parseQuantity(v) ?? zero();
    }
    return out;
  }
}
