// LimitRanger admission: applies LimitRange defaults to containers (mutating) and enforces
// min / max / maxLimitRequestRatio for Containers, Pods and PersistentVolumeClaims (validating),
// with upstream's messages. Pods are checked on create only: their containers cannot change.
import type { KubeObject } from '../../api/object.js';
import { formatQuantity, parseQuantity, type Quantity } from '../../api/quantity.js';
import { podResources } from '../../controllers/resourcequota/usage.js';
import type { AdmissionPlugin } from '../types.js';
import { admissionForbidden, isResource, podSpec, type AdmissionRequest } from './attributes.js';
import type { ObjectLookup } from './lookup.js';

export const LIMIT_RANGER_ANNOTATION = 'kubernetes.io/limit-ranger';

type Resources = Record<string, unknown>;

interface LimitRangeItem {
  type: string;
  max?: Resources;
  min?: Resources;
  default?: Resources;
  defaultRequest?: Resources;
  maxLimitRequestRatio?: Resources;
}

/** An item with API defaulting applied (default ← max, defaultRequest ← default or min), as SetDefaults_LimitRangeItem. */
export function defaultedItem(item: LimitRangeItem): LimitRangeItem {
  const out: LimitRangeItem = { ...item };
  if (item.type === 'Container') {
    const def = { ...(item.max ?? {}), ...(item.default ?? {}) };
    const defReq = { ...(item.min ?? {}), ...def, ...(item.defaultRequest ?? {}) };
    if (Object.keys(def).length) out.default = def;
    if (Object.keys(defReq).length) out.defaultRequest = defReq;
  }
  return out;
}

function items(ranges: readonly KubeObject[], type: string): LimitRangeItem[] {
  const out: LimitRangeItem[] = [];
  for (const r of ranges) for (const i of ((r as any).spec?.limits ?? []) as LimitRangeItem[]) if (i.type === type) out.push(defaultedItem(i));
  return out;
}

const q = (v: unknown): Quantity | undefined => parseQuantity(v);
const str = (v: unknown): string => {
  const p = q(v);
  return p ? formatQuantity(p) : String(v);
};

/** Sets default requests/limits on containers that lack them; returns the annotation text parts. */
export function applyContainerDefaults(spec: any, ranges: readonly KubeObject[]): string[] {
  const parts: string[] = [];
  for (const item of items(ranges, 'Container')) {
    const visit = (c: any, containerType: string) => {
      const res = (c.resources ??= {});
      const setReq: string[] = [];
      const setLim: string[] = [];
      for (const [k, v] of Object.entries(item.default ?? {})) {
        if (res.limits?.[k] === undefined) {
          (res.limits ??= {})[k] = v;
          setLim.push(k);
        }
      }
      for (const [k, v] of Object.entries(item.defaultRequest ?? {})) {
        if (res.requests?.[k] === undefined) {
          (res.requests ??= {})[k] = v;
          setReq.push(k);
        }
      }
      if (setReq.length) parts.push(`${setReq.sort().join(', ')} request for ${containerType} ${c.name}`);
      if (setLim.length) parts.push(`${setLim.sort().join(', ')} limit for ${containerType} ${c.name}`);
    };
    for (const c of spec.initContainers ?? []) visit(c, 'init container');
    for (const c of spec.containers ?? []) visit(c, 'container');
  }
  return parts;
}

function minConstraint(limitType: string, name: string, enforced: unknown, requests: Resources, limits: Resources): string | undefined {
  const e = q(enforced)!;
  const req = q(requests[name]);
  const lim = q(limits[name]);
  if (!req) return `minimum ${name} usage per ${limitType} is ${str(enforced)}.  No request is specified`;
  if (req.nano < e.nano) return `minimum ${name} usage per ${limitType} is ${str(enforced)}, but request is ${str(requests[name])}`;
  if (lim && lim.nano < e.nano) return `minimum ${name} usage per ${limitType} is ${str(enforced)}, but limit is ${str(limits[name])}`;
  return undefined;
}

function maxConstraint(limitType: string, name: string, enforced: unknown, requests: Resources, limits: Resources): string | undefined {
  const e = q(enforced)!;
  const req = q(requests[name]);
  const lim = q(limits[name]);
  if (!lim) return `maximum ${name} usage per ${limitType} is ${str(enforced)}.  No limit is specified`;
  if (lim.nano > e.nano) return `maximum ${name} usage per ${limitType} is ${str(enforced)}, but limit is ${str(limits[name])}`;
  if (req && req.nano > e.nano) return `maximum ${name} usage per ${limitType} is ${str(enforced)}, but request is ${str(requests[name])}`;
  return undefined;
}

function maxRequestConstraint(limitType: string, name: string, enforced: unknown, requests: Resources): string | undefined {
  const req = q(requests[name]);
  if (!req) return `maximum ${name} usage per ${limitType} is ${str(enforced)}.  No request is specified`;
  if (req.nano > q(enforced)!.nano) return `maximum ${name} usage per ${limitType} is ${str(enforced)}, but request is ${str(requests[name])}`;
  return undefined;
}

function ratioConstraint(limitType: string, name: string, enforced: unknown, requests: Resources, limits: Resources): string | undefined {
  const req = q(requests[name]);
  const lim = q(limits[name]);
  if (!req || req.nano === 0n) return `${name} max limit to request ratio per ${limitType} is ${str(enforced)}, but no request is specified or request is 0`;
  if (!lim || lim.nano === 0n) return `${name} max limit to request ratio per ${limitType} is ${str(enforced)}, but no limit is specified or limit is 0`;
  const ratio = Number(lim.nano) / Number(req.nano);
  if (ratio * 1e9 > Number(q(enforced)!.nano) + 1e-6) return `${name} max limit to request ratio per ${limitType} is ${str(enforced)}, but provided ratio is ${ratio.toFixed(6)}`;
  return undefined;
}

function checkItem(limitType: string, item: LimitRangeItem, requests: Resources, limits: Resources, errs: string[]): void {
  const push = (e: string | undefined) => e && !errs.includes(e) && errs.push(e);
  for (const [k, v] of Object.entries(item.min ?? {})) push(minConstraint(limitType, k, v, requests, limits));
  for (const [k, v] of Object.entries(item.max ?? {})) push(maxConstraint(limitType, k, v, requests, limits));
  for (const [k, v] of Object.entries(item.maxLimitRequestRatio ?? {})) push(ratioConstraint(limitType, k, v, requests, limits));
}

const asStrings = (list: Record<string, Quantity>): Resources => Object.fromEntries(Object.entries(list).map(([k, v]) => [k, formatQuantity(v)]));

/** Violations of the pod's containers and the pod as a whole against the namespace's LimitRanges. */
export function podViolations(pod: KubeObject, ranges: readonly KubeObject[]): string[] {
  const errs: string[] = [];
  const spec = podSpec(pod);
  for (const item of items(ranges, 'Container')) {
    for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) {
      checkItem('Container', { ...item, default: undefined, defaultRequest: undefined }, c.resources?.requests ?? {}, c.resources?.limits ?? {}, errs);
    }
  }
  const podItems = items(ranges, 'Pod');
  if (podItems.length) {
    const requests = asStrings(podResources(pod, 'requests'));
    const limits = asStrings(podResources(pod, 'limits'));
    for (const item of podItems) checkItem('Pod', item, requests, limits, errs);
  }
  return errs;
}

export function claimViolations(pvc: KubeObject, ranges: readonly KubeObject[]): string[] {
  const errs: string[] = [];
  const requests: Resources = (pvc as any).spec?.resources?.requests ?? {};
  for (const item of items(ranges, 'PersistentVolumeClaim')) {
    for (const [k, v] of Object.entries(item.min ?? {})) {
      const e = minConstraint('PersistentVolumeClaim', k, v, requests, {});
      if (e) errs.push(e);
    }
    for (const [k, v] of Object.entries(item.max ?? {})) {
      const e = maxRequestConstraint('PersistentVolumeClaim', k, v, requests);
      if (e) errs.push(e);
    }
  }
  return errs;
}

/** utilerrors.NewAggregate's text. */
export function aggregate(errs: readonly string[]): string {
  return errs.length === 1 ? errs[0]! : `[${errs.join(', ')}]`;
}

export class LimitRanger implements AdmissionPlugin {
  readonly name = 'LimitRanger';
  constructor(private readonly lookup: ObjectLookup) {}

  private handles(a: AdmissionRequest): 'pod' | 'pvc' | undefined {
    if (!a.object || a.subresource) return undefined;
    if (isResource(a, '', 'pods')) return a.operation === 'CREATE' ? 'pod' : undefined;
    if (isResource(a, '', 'persistentvolumeclaims') && (a.operation === 'CREATE' || a.operation === 'UPDATE')) return 'pvc';
    return undefined;
  }

  async admit(a: AdmissionRequest): Promise<void> {
    if (this.handles(a) !== 'pod') return;
    const ranges = await this.lookup.list('', 'limitranges', a.namespace);
    if (!ranges.length) return;
    const parts = applyContainerDefaults(podSpec(a.object), ranges);
    if (parts.length) (a.object!.metadata.annotations ??= {})[LIMIT_RANGER_ANNOTATION] = `LimitRanger plugin set: ${parts.join('; ')}`;
  }

  async validate(a: AdmissionRequest): Promise<void> {
    const kind = this.handles(a);
    if (!kind) return;
    const ranges = await this.lookup.list('', 'limitranges', a.namespace);
    if (!ranges.length) return;
    const errs = kind === 'pod' ? podViolations(a.object!, ranges) : claimViolations(a.object!, ranges);
    if (errs.length) throw admissionForbidden(a, aggregate(errs));
  }
}
