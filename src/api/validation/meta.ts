// ObjectMeta validation common to every type: name/generateName by the type's name rule,
// namespace presence by scope, labels, annotations, finalizers, and update-time immutability of
// identity fields.
import type { ObjectMeta } from '../object.js';
import { fieldErrors } from '../errors.js';
import { isDNS1123Label, isQualifiedName, isValidLabelValue, validateNameByRule, type NameRule } from './names.js';
import { type Causes, FIELD_IMMUTABLE } from './field.js';

export const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;
const STANDARD_FINALIZERS = new Set(['kubernetes', 'orphan', 'foregroundDeletion']);

export function validateLabels(labels: Record<string, string> | undefined, path: string, out: Causes): void {
  if (!labels) return;
  for (const [k, v] of Object.entries(labels)) {
    for (const m of isQualifiedName(k)) out.push(fieldErrors.invalid(path, k, m));
    for (const m of isValidLabelValue(v)) out.push(fieldErrors.invalid(path, v, m));
  }
}

export function validateAnnotations(annotations: Record<string, string> | undefined, path: string, out: Causes): void {
  if (!annotations) return;
  let total = 0;
  for (const [k, v] of Object.entries(annotations)) {
    for (const m of isQualifiedName(k.toLowerCase())) out.push(fieldErrors.invalid(path, k, m));
    total += Buffer.byteLength(k) + Buffer.byteLength(typeof v === 'string' ? v : '');
  }
  if (total > TOTAL_ANNOTATION_SIZE_LIMIT) out.push(fieldErrors.tooLong(path, TOTAL_ANNOTATION_SIZE_LIMIT));
}

export function validateFinalizers(finalizers: string[] | undefined, path: string, out: Causes, kubeNames = true): void {
  if (!finalizers) return;
  let orphan = false;
  let foreground = false;
  for (const f of finalizers) {
    const msgs = isQualifiedName(f);
    for (const m of msgs) out.push(fieldErrors.invalid(path, f, m));
    if (kubeNames && msgs.length === 0 && !f.includes('/') && !STANDARD_FINALIZERS.has(f)) {
      out.push(fieldErrors.invalid(path, f, 'name is neither a standard finalizer name nor is it fully qualified'));
    }
    if (f === 'orphan') orphan = true;
    if (f === 'foregroundDeletion') foreground = true;
  }
  if (orphan && foreground) {
    out.push(fieldErrors.invalid(path, finalizers, "finalizer orphan and foregroundDeletion cannot be both set"));
  }
}

export interface MetaRules {
  namespaced: boolean;
  nameRule?: NameRule;
  /**
   * Built-in kinds also require an unprefixed finalizer to be a standard one (kubernetes, orphan,
   * foregroundDeletion); CRDs and custom resources only need qualified names, as upstream.
   */
  kubeFinalizerNames?: boolean;
}

/** Create-time ObjectMeta checks (upstream ValidateObjectMeta). */
export function validateObjectMeta(meta: ObjectMeta | undefined, rules: MetaRules, path = 'metadata'): Causes {
  const out: Causes = [];
  const m = meta ?? {};
  const rule = rules.nameRule ?? 'dns1123Subdomain';
  if (m.generateName) {
    for (const msg of validateNameByRule(rule, m.generateName, true)) out.push(fieldErrors.invalid(`${path}.generateName`, m.generateName, msg));
  }
  if (!m.name) {
    // A generateName alone is fine: the name is generated right before storage.
    if (!m.generateName) out.push(fieldErrors.required(`${path}.name`, 'name or generateName is required'));
  } else {
    for (const msg of validateNameByRule(rule, m.name)) out.push(fieldErrors.invalid(`${path}.name`, m.name, msg));
  }
  if (rules.namespaced) {
    if (!m.namespace) out.push(fieldErrors.required(`${path}.namespace`));
    else for (const msg of isDNS1123Label(m.namespace)) out.push(fieldErrors.invalid(`${path}.namespace`, m.namespace, msg));
  } else if (m.namespace) {
    out.push(fieldErrors.forbidden(`${path}.namespace`, 'not allowed on this type'));
  }
  if (m.generation !== undefined && m.generation < 0) out.push(fieldErrors.invalid(`${path}.generation`, m.generation, 'must be greater than or equal to 0'));
  validateLabels(m.labels, `${path}.labels`, out);
  validateAnnotations(m.annotations, `${path}.annotations`, out);
  validateFinalizers(m.finalizers, `${path}.finalizers`, out, rules.kubeFinalizerNames ?? true);
  validateOwnerReferences(m, path, out);
  return out;
}

function validateOwnerReferences(m: ObjectMeta, path: string, out: Causes): void {
  const refs = m.ownerReferences;
  if (!refs) return;
  let controllers = 0;
  refs.forEach((r, i) => {
    const p = `${path}.ownerReferences[${i}]`;
    if (!r.apiVersion) out.push(fieldErrors.invalid(`${p}.apiVersion`, r.apiVersion ?? '', 'version must not be empty'));
    if (!r.kind) out.push(fieldErrors.invalid(`${p}.kind`, r.kind ?? '', 'kind must not be empty'));
    if (!r.name) out.push(fieldErrors.invalid(`${p}.name`, r.name ?? '', 'name must not be empty'));
    if (!r.uid) out.push(fieldErrors.invalid(`${p}.uid`, r.uid ?? '', 'uid must not be empty'));
    if (r.controller) controllers++;
  });
  if (controllers > 1) out.push(fieldErrors.invalid(`${path}.ownerReferences`, refs, 'Only one reference can have Controller set to true'));
}

/** Update-time ObjectMeta checks (upstream ValidateObjectMetaUpdate), in addition to validateObjectMeta. */
export function validateObjectMetaUpdate(meta: ObjectMeta, old: ObjectMeta, path = 'metadata'): Causes {
  const out: Causes = [];
  if ((meta.name ?? '') !== (old.name ?? '')) out.push(fieldErrors.invalid(`${path}.name`, meta.name ?? '', FIELD_IMMUTABLE));
  if ((meta.namespace ?? '') !== (old.namespace ?? '')) out.push(fieldErrors.invalid(`${path}.namespace`, meta.namespace ?? '', FIELD_IMMUTABLE));
  if (old.uid && (meta.uid ?? '') !== old.uid) out.push(fieldErrors.invalid(`${path}.uid`, meta.uid ?? '', FIELD_IMMUTABLE));
  if (old.creationTimestamp && meta.creationTimestamp !== old.creationTimestamp) {
    out.push(fieldErrors.invalid(`${path}.creationTimestamp`, meta.creationTimestamp ?? null, FIELD_IMMUTABLE));
  }
  if (old.deletionTimestamp && meta.deletionTimestamp !== old.deletionTimestamp) {
    out.push(fieldErrors.invalid(`${path}.deletionTimestamp`, meta.deletionTimestamp ?? null, FIELD_IMMUTABLE));
  }
  if (old.deletionGracePeriodSeconds !== undefined && meta.deletionGracePeriodSeconds !== old.deletionGracePeriodSeconds) {
    out.push(fieldErrors.invalid(`${path}.deletionGracePeriodSeconds`, meta.deletionGracePeriodSeconds ?? null, FIELD_IMMUTABLE));
  }
  if (old.deletionTimestamp && meta.finalizers) {
    const prev = new Set(old.finalizers ?? []);
    for (const f of meta.finalizers) {
      if (!prev.has(f)) out.push(fieldErrors.forbidden(`${path}.finalizers`, `no new finalizers can be added if the object is being deleted, found new finalizers []string{"${f}"}`));
    }
  }
  return out;
}
