// Privilege-escalation prevention for RBAC writes: a user may only create or update a Role or
// ClusterRole granting permissions they already hold (or with the `escalate` verb on it), and
// only bind a role whose permissions they hold (or with the `bind` verb on it). Wording as
// upstream's ConfirmNoEscalation. Decides only; never writes.
import { errors } from '../../api/errors.js';
import type { AdmissionAttributes, AdmissionPlugin, Authorizer, UserInfo } from '../types.js';
import { SYSTEM_PRIVILEGED_GROUP } from './chain.js';
import type { RBACAuthorizer } from './rbac-authorizer.js';
import { RBAC_GROUP, type BindingObject, type PolicyRule, type RoleObject } from './rbac-types.js';

const ALL = '*';

/** One verb on one group/resource(/name), or one verb on one URL: upstream's BreakdownRule. */
export function breakdownRule(rule: PolicyRule): PolicyRule[] {
  const out: PolicyRule[] = [];
  for (const group of rule.apiGroups ?? []) {
    for (const resource of rule.resources ?? []) {
      for (const verb of rule.verbs) {
        if (rule.resourceNames && rule.resourceNames.length > 0) {
          for (const name of rule.resourceNames) out.push({ apiGroups: [group], resources: [resource], verbs: [verb], resourceNames: [name] });
        } else {
          out.push({ apiGroups: [group], resources: [resource], verbs: [verb] });
        }
      }
    }
  }
  for (const url of rule.nonResourceURLs ?? []) for (const verb of rule.verbs) out.push({ nonResourceURLs: [url], verbs: [verb] });
  return out;
}

const has = (set: readonly string[] | undefined, v: string) => !!set && set.includes(v);

function coversAll(owner: readonly string[] | undefined, requested: readonly string[] | undefined): boolean {
  if (has(owner, ALL)) return true;
  for (const r of requested ?? []) if (!has(owner, r)) return false;
  return true;
}

function resourceCoversAll(owner: readonly string[] | undefined, requested: readonly string[] | undefined): boolean {
  if (has(owner, ALL)) return true;
  for (const r of requested ?? []) {
    if (has(owner, r)) continue;
    const slash = r.indexOf('/');
    if (slash < 0 || !has(owner, `*/${r.slice(slash + 1)}`)) return false;
  }
  return true;
}

function nonResourceURLsCoversAll(owner: readonly string[] | undefined, requested: readonly string[] | undefined): boolean {
  for (const r of requested ?? []) {
    let ok = false;
    for (const o of owner ?? []) {
      if (o === r || (o.endsWith(ALL) && r.startsWith(o.slice(0, -1)))) { ok = true; break; }
    }
    if (!ok) return false;
  }
  return true;
}

/** Does owner grant everything sub (a broken-down rule) grants? */
export function ruleCovers(owner: PolicyRule, sub: PolicyRule): boolean {
  const names = !owner.resourceNames?.length || (!!sub.resourceNames?.length && coversAll(owner.resourceNames, sub.resourceNames));
  return (
    coversAll(owner.verbs, sub.verbs) &&
    coversAll(owner.apiGroups, sub.apiGroups) &&
    resourceCoversAll(owner.resources, sub.resources) &&
    nonResourceURLsCoversAll(owner.nonResourceURLs, sub.nonResourceURLs) &&
    names
  );
}

/** Upstream's Covers: whether ownerRules cover every rule, and the broken-down rules they miss. */
export function covers(ownerRules: readonly PolicyRule[], rules: readonly PolicyRule[]): { covered: boolean; missing: PolicyRule[] } {
  const missing: PolicyRule[] = [];
  for (const rule of rules) {
    for (const sub of breakdownRule(rule)) {
      if (!ownerRules.some((o) => ruleCovers(o, sub))) missing.push(sub);
    }
  }
  return { covered: missing.length === 0, missing };
}

/** Merges single group/resource/name rules by appending verbs: upstream's CompactRules. */
export function compactRules(rules: readonly PolicyRule[]): PolicyRule[] {
  const out: PolicyRule[] = [];
  const simple = new Map<string, PolicyRule>();
  const simpleOrder: PolicyRule[] = [];
  for (const r of rules) {
    const isSimple = r.apiGroups?.length === 1 && r.resources?.length === 1 && (r.resourceNames?.length ?? 0) <= 1 && !r.nonResourceURLs?.length;
    if (!isSimple) { out.push(r); continue; }
    const key = JSON.stringify([r.apiGroups![0], r.resources![0], r.resourceNames?.length ? r.resourceNames[0] : null]);
    const existing = simple.get(key);
    if (existing) existing.verbs.push(...r.verbs);
    else {
      const copy: PolicyRule = { ...r, verbs: [...r.verbs] };
      simple.set(key, copy);
      simpleOrder.push(copy);
    }
  }
  return [...out, ...simpleOrder];
}

const goQuoteList = (xs: readonly string[]) => `[${xs.map((x) => JSON.stringify(x)).join(' ')}]`;

/** `{APIGroups:[""], Resources:["pods"], Verbs:["get" "list"]}`: upstream's PolicyRule.CompactString. */
export function compactString(r: PolicyRule): string {
  const parts: string[] = [];
  if (r.apiGroups?.length) parts.push(`APIGroups:${goQuoteList(r.apiGroups)}`);
  if (r.resources?.length) parts.push(`Resources:${goQuoteList(r.resources)}`);
  if (r.nonResourceURLs?.length) parts.push(`NonResourceURLs:${goQuoteList(r.nonResourceURLs)}`);
  if (r.resourceNames?.length) parts.push(`ResourceNames:${goQuoteList(r.resourceNames)}`);
  if (r.verbs?.length) parts.push(`Verbs:${goQuoteList(r.verbs)}`);
  return `{${parts.join(', ')}}`;
}

/** The escalation message, or undefined when ownerRules cover rules. */
export function escalationMessage(user: UserInfo, ownerRules: readonly PolicyRule[], rules: readonly PolicyRule[]): string | undefined {
  const { covered, missing } = covers(ownerRules, rules);
  if (covered) return undefined;
  const lines = [...new Set(compactRules(missing).map(compactString))].sort();
  return `user "${user.username}" (groups=${goQuoteList(user.groups)}) is attempting to grant RBAC permissions not currently held:\n${lines.join('\n')}`;
}

/** Full authority, which an aggregationRule implicitly claims. */
const FULL_AUTHORITY: PolicyRule[] = [
  { verbs: [ALL], apiGroups: [ALL], resources: [ALL] },
  { verbs: [ALL], nonResourceURLs: [ALL] },
];

export interface EscalationDeps {
  /** The whole chain, to check the `escalate` and `bind` verbs as upstream does. */
  authorizer: Authorizer;
  /** The RBAC authorizer, for the rules the requesting user holds. */
  rbac: RBACAuthorizer;
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

/** Validates a write of a Role, ClusterRole, RoleBinding or ClusterRoleBinding; throws 403. */
export async function checkEscalation(deps: EscalationDeps, a: AdmissionAttributes): Promise<void> {
  const { info } = a;
  if (info.group !== RBAC_GROUP || a.subresource || (a.operation !== 'CREATE' && a.operation !== 'UPDATE') || !a.object) return;
  if (a.user.groups.includes(SYSTEM_PRIVILEGED_GROUP)) return;
  const gr = `${info.plural}.${RBAC_GROUP}`;
  const name = a.object.metadata?.name ?? a.name;
  const forbid = (msg: string) => errors.forbidden(`${gr} "${name}" is forbidden: ${msg}`, { name, group: RBAC_GROUP, kind: info.plural });
  const can = async (verb: string, resource: string, resourceName: string) =>
    (await deps.authorizer.authorize({ user: a.user, verb, isResourceRequest: true, apiGroup: RBAC_GROUP, apiVersion: 'v1', resource, subresource: '', namespace: a.namespace, name: resourceName, path: '' })).decision === 'allow';

  if (info.plural === 'roles' || info.plural === 'clusterroles') {
    const role = a.object as RoleObject;
    const old = a.oldObject as RoleObject | undefined;
    // Updates that leave the granted permissions alone (labels, owner references...) need no check.
    if (old && sameJson(old.rules, role.rules) && sameJson(old.aggregationRule, role.aggregationRule)) return;
    if (await can('escalate', info.plural, name)) return;
    const rules = role.aggregationRule?.clusterRoleSelectors?.length ? FULL_AUTHORITY : role.rules ?? [];
    const msg = escalationMessage(a.user, deps.rbac.rulesFor(a.user, a.namespace), rules);
    if (msg) throw forbid(msg);
    return;
  }
  if (info.plural === 'rolebindings' || info.plural === 'clusterrolebindings') {
    const b = a.object as BindingObject;
    const old = a.oldObject as BindingObject | undefined;
    if (old && sameJson(old.roleRef, b.roleRef) && sameJson(old.subjects, b.subjects)) return;
    const ref = b.roleRef;
    if (!ref || ref.apiGroup !== RBAC_GROUP) return; // validation rejects these
    const refResource = ref.kind === 'ClusterRole' ? 'clusterroles' : 'roles';
    if (await can('bind', refResource, ref.name)) return;
    const role = deps.rbac.rulesOf({ ...b, metadata: { ...b.metadata, namespace: a.namespace || undefined } });
    if (!role) throw errors.notFound(refResource, RBAC_GROUP, ref.name);
    const msg = escalationMessage(a.user, deps.rbac.rulesFor(a.user, a.namespace), role);
    if (msg) throw forbid(msg);
  }
}

/** checkEscalation as a validating admission plugin. */
export function rbacEscalationPlugin(deps: EscalationDeps): AdmissionPlugin {
  return { name: 'RBACEscalation', validate: (a) => checkEscalation(deps, a) };
}
