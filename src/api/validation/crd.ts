// CustomResourceDefinition validation: names, scope, versions (exactly one storage version)
// and the basics of a structural schema.
import { fieldErrors } from '../errors.js';
import type { KubeObject } from '../object.js';
import { isDNS1035Label, isDNS1123Label, isDNS1123Subdomain } from './names.js';
import { arr, type Causes, deepEqual, FIELD_IMMUTABLE, index, obj, type Obj, str } from './field.js';

function checkName(v: unknown, path: string, required: boolean, out: Causes): void {
  const s = str(v) ?? '';
  if (!s) {
    if (required) out.push(fieldErrors.required(path));
    return;
  }
  for (const m of isDNS1035Label(s)) out.push(fieldErrors.invalid(path, s, m));
}

function validateSchema(s: Obj, path: string, root: boolean, out: Causes): void {
  const preserve = s['x-kubernetes-preserve-unknown-fields'] === true;
  const intOrString = s['x-kubernetes-int-or-string'] === true;
  const embedded = s['x-kubernetes-embedded-resource'] === true;
  if (!s.type && !preserve && !intOrString && !embedded && !s.anyOf && !s.allOf && !s.oneOf && !s.not) {
    out.push(fieldErrors.required(`${path}.type`, 'must not be empty for specified object fields'));
  }
  if (root && s.type !== undefined && s.type !== 'object') out.push(fieldErrors.invalid(`${path}.type`, s.type, 'must be object at the root'));
  const props = obj(s.properties);
  if (props) {
    for (const [k, v] of Object.entries(props)) {
      const sub = obj(v);
      if (sub) validateSchema(sub, `${path}.properties[${k}]`, false, out);
    }
  }
  const items = obj(s.items);
  if (s.type === 'array' && !items) out.push(fieldErrors.required(`${path}.items`, 'must be specified'));
  if (items) validateSchema(items, `${path}.items`, false, out);
  const ap = obj(s.additionalProperties);
  if (ap) {
    if (props) out.push(fieldErrors.forbidden(`${path}.additionalProperties`, 'additionalProperties and properties are mutual exclusive'));
    validateSchema(ap, `${path}.additionalProperties`, false, out);
  }
}

export function validateCustomResourceDefinition(crd: KubeObject): Causes {
  const out: Causes = [];
  const spec = obj(crd.spec) ?? {};
  const names = obj(spec.names) ?? {};
  const group = str(spec.group) ?? '';
  const plural = str(names.plural) ?? '';
  if (!group) out.push(fieldErrors.required('spec.group'));
  else {
    for (const m of isDNS1123Subdomain(group)) out.push(fieldErrors.invalid('spec.group', group, m));
    if (group.split('.').length < 2) out.push(fieldErrors.invalid('spec.group', group, "should be a domain with at least one dot"));
  }
  const expected = `${plural}.${group}`;
  if (crd.metadata.name !== expected) out.push(fieldErrors.invalid('metadata.name', crd.metadata.name ?? '', `must be spec.names.plural+"."+spec.group`));
  const scope = spec.scope;
  if (!scope) out.push(fieldErrors.required('spec.scope'));
  else if (scope !== 'Cluster' && scope !== 'Namespaced') out.push(fieldErrors.notSupported('spec.scope', scope, ['Cluster', 'Namespaced']));
  checkName(names.plural, 'spec.names.plural', true, out);
  checkName(names.singular, 'spec.names.singular', false, out);
  const kind = str(names.kind) ?? '';
  if (!kind) out.push(fieldErrors.required('spec.names.kind'));
  else if (isDNS1035Label(kind.toLowerCase()).length > 0) out.push(fieldErrors.invalid('spec.names.kind', kind, 'may have mixed case, but should otherwise match: [a-z]([-a-z0-9]*[a-z0-9])?'));
  const listKind = str(names.listKind) ?? '';
  if (listKind && listKind === kind) out.push(fieldErrors.invalid('spec.names.listKind', listKind, 'kind and listKind may not be the same'));
  arr(names.shortNames).forEach((s, i) => {
    if (typeof s === 'string') for (const m of isDNS1035Label(s)) out.push(fieldErrors.invalid(index('spec.names.shortNames', i), s, m));
  });
  arr(names.categories).forEach((s, i) => {
    if (typeof s === 'string') for (const m of isDNS1035Label(s)) out.push(fieldErrors.invalid(index('spec.names.categories', i), s, m));
  });
  const versions = arr(spec.versions);
  if (versions.length === 0) out.push(fieldErrors.invalid('spec.versions', versions, 'must have exactly one version marked as storage version'));
  let storage = 0;
  const seen = new Set<string>();
  versions.forEach((raw, i) => {
    const v = obj(raw) ?? {};
    const p = index('spec.versions', i);
    const name = str(v.name) ?? '';
    if (!name) out.push(fieldErrors.required(`${p}.name`));
    else {
      for (const m of isDNS1123Label(name)) out.push(fieldErrors.invalid(`${p}.name`, name, m));
      if (seen.has(name)) out.push(fieldErrors.invalid('spec.versions', versions, 'must contain unique version names'));
      seen.add(name);
    }
    if (v.storage === true) storage++;
    const schema = obj(obj(v.schema)?.openAPIV3Schema);
    if (!schema) out.push(fieldErrors.required(`${p}.schema.openAPIV3Schema`, 'schemas are required'));
    else validateSchema(schema, `${p}.schema.openAPIV3Schema`, true, out);
    const sub = obj(v.subresources);
    const scale = obj(sub?.scale);
    if (scale) {
      if (!str(scale.specReplicasPath)) out.push(fieldErrors.required(`${p}.subresources.scale.specReplicasPath`));
      if (!str(scale.statusReplicasPath)) out.push(fieldErrors.required(`${p}.subresources.scale.statusReplicasPath`));
    }
  });
  if (versions.length > 0 && storage !== 1) out.push(fieldErrors.invalid('spec.versions', versions, 'must have exactly one version marked as storage version'));
  const conv = obj(spec.conversion);
  if (conv && conv.strategy !== undefined && conv.strategy !== 'None' && conv.strategy !== 'Webhook') {
    out.push(fieldErrors.notSupported('spec.conversion.strategy', conv.strategy, ['None', 'Webhook']));
  }
  return out;
}

export function validateCustomResourceDefinitionUpdate(crd: KubeObject, old: KubeObject): Causes {
  const out: Causes = [];
  const spec = obj(crd.spec) ?? {};
  const oldSpec = obj(old.spec) ?? {};
  if (spec.group !== oldSpec.group) out.push(fieldErrors.invalid('spec.group', spec.group ?? null, FIELD_IMMUTABLE));
  const established = arr(obj(old.status)?.conditions).some((c) => obj(c)?.type === 'Established' && obj(c)?.status === 'True');
  if (established && !deepEqual(spec.scope, oldSpec.scope)) out.push(fieldErrors.invalid('spec.scope', spec.scope ?? null, FIELD_IMMUTABLE));
  return out;
}
