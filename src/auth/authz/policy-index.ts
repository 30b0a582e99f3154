// RBAC policy held in memory and indexed by subject, so a check costs O(bindings naming the
// user or one of their groups) rather than O(all bindings). Fed by informers in the server
// (informer-source.ts) or directly in tests; it never writes anything back.
import type { UserInfo } from '../types.js';
import type { BindingObject, RoleObject, RoleSource, Subject } from './rbac-types.js';
import { SERVICE_ACCOUNT_PREFIX } from './rbac-types.js';

/** A binding and the subject in it that names the user. */
export interface MatchedBinding {
  binding: BindingObject;
  subject: Subject;
}

type BySubject = Map<string, Map<string, MatchedBinding>>;

/** Index keys a subject answers to: "u:<username>" or "g:<group>"; none if it can never match. */
export function subjectKey(s: Subject, bindingNamespace: string): string | undefined {
  switch (s.kind) {
    case 'User':
      return `u:${s.name}`;
    case 'Group':
      return `g:${s.name}`;
    case 'ServiceAccount': {
      const ns = s.namespace || bindingNamespace;
      return ns ? `u:${SERVICE_ACCOUNT_PREFIX}${ns}:${s.name}` : undefined;
    }
    default:
      return undefined;
  }
}

/** Upstream's appliesTo: the first subject of the binding that names the user. */
export function subjectFor(user: UserInfo, subjects: readonly Subject[] | null | undefined, bindingNamespace: string): Subject | undefined {
  for (const s of subjects ?? []) {
    const key = subjectKey(s, bindingNamespace);
    if (!key) continue;
    if (key.charCodeAt(0) === 117 /* u */ ? key.slice(2) === user.username : user.groups.includes(key.slice(2))) return s;
  }
  return undefined;
}

export class RBACPolicyIndex implements RoleSource {
  private readonly roles = new Map<string, RoleObject>();
  private readonly clusterRoles = new Map<string, RoleObject>();
  private readonly roleBindingsByKey = new Map<string, BindingObject>();
  private readonly clusterRoleBindingsByName = new Map<string, BindingObject>();
  private readonly clusterBySubject: BySubject = new Map();
  private readonly nsBySubject = new Map<string, BySubject>();

  role(namespace: string, name: string): RoleObject | undefined {
    return this.roles.get(`${namespace}/${name}`);
  }
  clusterRole(name: string): RoleObject | undefined {
    return this.clusterRoles.get(name);
  }
  *roleBindings(namespace: string): Iterable<BindingObject> {
    for (const b of this.roleBindingsByKey.values()) if (b.metadata.namespace === namespace) yield b;
  }
  clusterRoleBindings(): Iterable<BindingObject> {
    return this.clusterRoleBindingsByName.values();
  }
  allClusterRoles(): Iterable<RoleObject> {
    return this.clusterRoles.values();
  }

  upsertRole(r: RoleObject): void {
    if (r.metadata.namespace) this.roles.set(`${r.metadata.namespace}/${r.metadata.name}`, r);
    else this.clusterRoles.set(r.metadata.name!, r);
  }
  removeRole(r: RoleObject): void {
    if (r.metadata.namespace) this.roles.delete(`${r.metadata.namespace}/${r.metadata.name}`);
    else this.clusterRoles.delete(r.metadata.name!);
  }

  upsertBinding(b: BindingObject): void {
    this.removeBinding(b);
    const ns = b.metadata.namespace ?? '';
    const name = b.metadata.name!;
    let bySubject: BySubject;
    if (ns) {
      this.roleBindingsByKey.set(`${ns}/${name}`, b);
      bySubject = this.nsBySubject.get(ns) ?? new Map();
      this.nsBySubject.set(ns, bySubject);
    } else {
      this.clusterRoleBindingsByName.set(name, b);
      bySubject = this.clusterBySubject;
    }
    for (const s of b.subjects ?? []) {
      const key = subjectKey(s, ns);
      if (!key) continue;
      let m = bySubject.get(key);
      if (!m) bySubject.set(key, (m = new Map()));
      // The first subject naming a key wins, as upstream's appliesTo stops at the first match.
      if (!m.has(name)) m.set(name, { binding: b, subject: s });
    }
  }

  removeBinding(b: BindingObject): void {
    const ns = b.metadata.namespace ?? '';
    const name = b.metadata.name!;
    const old = ns ? this.roleBindingsByKey.get(`${ns}/${name}`) : this.clusterRoleBindingsByName.get(name);
    if (!old) return;
    const bySubject = ns ? this.nsBySubject.get(ns) : this.clusterBySubject;
    if (ns) this.roleBindingsByKey.delete(`${ns}/${name}`);
    else this.clusterRoleBindingsByName.delete(name);
    if (!bySubject) return;
    for (const s of old.subjects ?? []) {
      const key = subjectKey(s, ns);
      const m = key ? bySubject.get(key) : undefined;
      if (!m) continue;
      m.delete(name);
      if (m.size === 0) bySubject.delete(key!);
    }
  }

  /** ClusterRoleBindings naming the user, then (if namespace) RoleBindings there; each once. */
  bindingsFor(user: UserInfo, namespace: string): MatchedBinding[] {
    const out: MatchedBinding[] = [];
    collect(this.clusterBySubject, user, out);
    if (namespace) {
      const bySubject = this.nsBySubject.get(namespace);
      if (bySubject) collect(bySubject, user, out);
    }
    return out;
  }
}

function collect(bySubject: BySubject, user: UserInfo, out: MatchedBinding[]): void {
  // Most users match through one key; only dedupe when a second key contributes.
  let seen: Set<BindingObject> | undefined;
  let keys = 0;
  const add = (m: Map<string, MatchedBinding> | undefined) => {
    if (!m) return;
    if (keys++ === 1) {
      seen = new Set();
      for (const mb of out) seen.add(mb.binding);
    }
    for (const mb of m.values()) {
      if (seen) {
        if (seen.has(mb.binding)) continue;
        seen.add(mb.binding);
      }
      out.push(mb);
    }
  };
  add(bySubject.get(`u:${user.username}`));
  for (const g of user.groups) add(bySubject.get(`g:${g}`));
}

/** An index filled once from lists (tests, tools). */
export function indexFrom(objects: { roles?: RoleObject[]; clusterRoles?: RoleObject[]; roleBindings?: BindingObject[]; clusterRoleBindings?: BindingObject[] }): RBACPolicyIndex {
  const idx = new RBACPolicyIndex();
  for (const r of objects.roles ?? []) idx.upsertRole(r);
  for (const r of objects.clusterRoles ?? []) idx.upsertRole(r);
  for (const b of objects.roleBindings ?? []) idx.upsertBinding(b);
  for (const b of objects.clusterRoleBindings ?? []) idx.upsertBinding(b);
  return idx;
}
