// Writes the bootstrap RBAC policy at start, as upstream's auto-reconciliation does: missing
// roles and bindings are created; existing ones annotated autoupdate "true" (or not annotated)
// gain missing permissions, subjects, labels and annotations, keeping whatever was added by
// hand. Objects annotated autoupdate "false" are left alone. Never deletes anything except a
// binding whose roleRef must change (roleRef is immutable).
import type { KubeObject } from '../../api/object.js';
import { R } from '../../client/resources.js';
import { StatusError } from '../../api/errors.js';
import { isConflict, isNotFound, isAlreadyExists, type KubeClient } from '../../client/types.js';
import { InProcessClient } from '../../controlplane/in-process-client.js';
import { AUTOUPDATE_ANNOTATION, defaultClusterRoleBindings, defaultClusterRoles, type DefaultBindingOptions } from './bootstrap-policy.js';
import { covers } from './escalation.js';
import { RBAC_GROUP, type BindingObject, type RoleObject, type Subject } from './rbac-types.js';

/** The reconciled role, or undefined when existing already holds everything wanted. */
export function reconcileRole(existing: RoleObject, wanted: RoleObject): RoleObject | undefined {
  if (existing.metadata.annotations?.[AUTOUPDATE_ANNOTATION] === 'false') return undefined;
  const out: RoleObject = structuredClone(existing);
  let changed = mergeMeta(out.metadata, wanted.metadata);
  if (wanted.aggregationRule) {
    const have = out.aggregationRule?.clusterRoleSelectors ?? [];
    const haveJson = new Set(have.map((s) => JSON.stringify(s)));
    const add = (wanted.aggregationRule.clusterRoleSelectors ?? []).filter((s) => !haveJson.has(JSON.stringify(s)));
    if (add.length || !out.aggregationRule) {
      out.aggregationRule = { clusterRoleSelectors: [...have, ...add] };
      changed = true;
    }
  } else {
    const have = out.rules ?? [];
    const missing = (wanted.rules ?? []).filter((rule) => !covers(have, [rule]).covered);
    if (missing.length) {
      out.rules = [...have, ...missing];
      changed = true;
    }
  }
  return changed ? out : undefined;
}

const subjectId = (s: Subject) => `${s.kind}/${s.namespace ?? ''}/${s.name}`;

/** The reconciled binding ('recreate' when roleRef differs), or undefined when nothing to do. */
export function reconcileBinding(existing: BindingObject, wanted: BindingObject): BindingObject | 'recreate' | undefined {
  if (existing.metadata.annotations?.[AUTOUPDATE_ANNOTATION] === 'false') return undefined;
  const r1 = existing.roleRef;
  const r2 = wanted.roleRef;
  if (r1.kind !== r2.kind || r1.name !== r2.name || r1.apiGroup !== r2.apiGroup) return 'recreate';
  const out: BindingObject = structuredClone(existing);
  let changed = mergeMeta(out.metadata, wanted.metadata);
  const have = new Set((out.subjects ?? []).map(subjectId));
  const add = (wanted.subjects ?? []).filter((s) => !have.has(subjectId(s)));
  if (add.length) {
    out.subjects = [...(out.subjects ?? []), ...add];
    changed = true;
  }
  return changed ? out : undefined;
}

function mergeMeta(into: KubeObject['metadata'], from: KubeObject['metadata']): boolean {
  let changed = false;
  for (const field of ['labels', 'annotations'] as const) {
    const want = from[field] ?? {};
    for (const [k, v] of Object.entries(want)) {
      if (into[field]?.[k] === v) continue;
      // Keep an explicit opt-out from auto-update.
      if (field === 'annotations' && k === AUTOUPDATE_ANNOTATION && into.annotations?.[k] !== undefined) continue;
      into[field] = { ...into[field], [k]: v };
      changed = true;
    }
  }
  return changed;
}

export interface ReconcileResult {
  created: string[];
  updated: string[];
}

export type RBACKind = 'clusterroles' | 'clusterrolebindings';

/** The few cluster-scoped writes reconciliation needs, over either client the server has. */
export interface RBACWriter {
  get(kind: RBACKind, name: string): Promise<KubeObject | undefined>;
  create(kind: RBACKind, obj: KubeObject): Promise<void>;
  update(kind: RBACKind, obj: KubeObject): Promise<void>;
  delete(kind: RBACKind, name: string): Promise<void>;
}

export function kubeClientWriter(client: KubeClient): RBACWriter {
  return {
    async get(kind, name) {
      try {
        return await client.get(R[kind], '', name);
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
    },
    async create(kind, obj) {
      await client.create(R[kind], '', obj);
    },
    async update(kind, obj) {
      await client.update(R[kind], '', obj);
    },
    async delete(kind, name) {
      await client.delete(R[kind], '', name);
    },
  };
}

/** The server's in-process client (src/controlplane/in-process-client.ts). */
export function inProcessWriter(client: InProcessClient): RBACWriter {
  return {
    get: (kind, name) => client.get(RBAC_GROUP, kind, '', name),
    async create(kind, obj) {
      await client.create(RBAC_GROUP, kind, '', obj);
    },
    async update(kind, obj) {
      await client.update(RBAC_GROUP, kind, '', obj.metadata.name!, () => obj);
    },
    delete: (kind, name) => client.delete(RBAC_GROUP, kind, '', name),
  };
}

const isCode = (err: unknown, code: number, reason?: string): boolean => {
  if (err instanceof StatusError) return err.code === code && (!reason || err.reason === reason);
  return code === 409 ? (reason === 'AlreadyExists' ? isAlreadyExists(err) : isConflict(err)) : false;
};

/** Creates or tops up the default ClusterRoles and ClusterRoleBindings. */
export async function reconcileDefaultRBAC(target: KubeClient | InProcessClient | RBACWriter, opts: DefaultBindingOptions = {}): Promise<ReconcileResult> {
  const w = toWriter(target);
  const result: ReconcileResult = { created: [], updated: [] };
  for (const role of defaultClusterRoles()) {
    await withRetry(async () => {
      const name = role.metadata.name!;
      const existing = (await w.get('clusterroles', name)) as RoleObject | undefined;
      if (!existing) {
        if (await createIgnoringExists(w, 'clusterroles', role)) result.created.push(`clusterrole/${name}`);
        return;
      }
      const next = reconcileRole(existing, role);
      if (next) {
        await w.update('clusterroles', next);
        result.updated.push(`clusterrole/${name}`);
      }
    });
  }
  for (const binding of defaultClusterRoleBindings(opts)) {
    await withRetry(async () => {
      const name = binding.metadata.name!;
      const existing = (await w.get('clusterrolebindings', name)) as BindingObject | undefined;
      if (!existing) {
        if (await createIgnoringExists(w, 'clusterrolebindings', binding)) result.created.push(`clusterrolebinding/${name}`);
        return;
      }
      const next = reconcileBinding(existing, binding);
      if (next === 'recreate') {
        await w.delete('clusterrolebindings', name);
        await w.create('clusterrolebindings', { ...binding, subjects: mergeSubjects(existing.subjects, binding.subjects) } as BindingObject);
        result.updated.push(`clusterrolebinding/${name}`);
      } else if (next) {
        await w.update('clusterrolebindings', next);
        result.updated.push(`clusterrolebinding/${name}`);
      }
    });
  }
  return result;
}

function toWriter(t: KubeClient | InProcessClient | RBACWriter): RBACWriter {
  if (t instanceof InProcessClient) return inProcessWriter(t);
  if ('watch' in t) return kubeClientWriter(t);
  return t;
}

function mergeSubjects(a: Subject[] | null | undefined, b: Subject[] | null | undefined): Subject[] {
  const out = [...(a ?? [])];
  const have = new Set(out.map(subjectId));
  for (const s of b ?? []) if (!have.has(subjectId(s))) out.push(s);
  return out;
}

async function createIgnoringExists(w: RBACWriter, kind: RBACKind, obj: KubeObject): Promise<boolean> {
  try {
    await w.create(kind, obj);
    return true;
  } catch (err) {
    // Another API server created it meanwhile: the next start tops it up.
    if (isCode(err, 409, 'AlreadyExists')) return false;
    throw err;
  }
}

async function withRetry(fn: () => Promise<void>): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (!isCode(err, 409, 'Conflict') || attempt >= 4) throw err;
    }
  }
}
