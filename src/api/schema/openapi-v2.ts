// Publishes the schema registry as one Swagger 2.0 document in the shape of upstream's /openapi/v2:
// a path per served resource (operations tagged with their GVK and action) and a definition per
// reachable schema, converted from the registry's OpenAPI v3 form the way upstream's v2 builder
// does (v3-only constructs dropped, int-or-string and quantity as strings). kubectl reads it, as
// gnostic protobuf, for `explain --output=plaintext-openapiv2` and as its validation fallback.
// Builds and caches bytes only; answering HTTP is the server's business.
import type { GroupVersionKind, ResourceInfo, SubresourceInfo } from '../registry/types.js';
import { encodeGnosticDocument } from './gnostic-encode.js';
import { OPERATION_QUERY_PARAMETERS, QUERY_PARAMETERS } from './openapi.js';
import type { SchemaNode } from './types.js';
import type { SchemaRegistry } from './registry.js';

type Json = Record<string, unknown>;

const REF_PREFIX = '#/definitions/';
const META = 'io.k8s.apimachinery.pkg.apis.meta.v1.';
const DELETE_OPTIONS = `${META}DeleteOptions`;
const STATUS = `${META}Status`;
const PATCH = `${META}Patch`;

/** The Kubernetes release this document describes (info.version), as upstream reports it. */
export const OPENAPI_V2_VERSION = 'v1.32.4';

const PRODUCES = ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf'];
const PRODUCES_LIST = [...PRODUCES, 'application/json;stream=watch', 'application/vnd.kubernetes.protobuf;stream=watch'];
const CONSUMES_PATCH = [
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
  'application/apply-patch+yaml',
];
const CONSUMES_ANY = ['*/*'];

/** Subresources that stream or tunnel rather than read or write an object. */
const CONNECT_SUBRESOURCES = new Set(['exec', 'attach', 'portforward', 'proxy']);

// ---------------------------------------------------------------------------------------------
// Parameters, inlined (not #/parameters refs) so that kubectl's query-parameter check finds
// fieldValidation directly on each PATCH operation.

function query(name: string, type = 'string'): Json {
  return { uniqueItems: true, type, name, in: 'query' };
}
function pathParam(name: string, description: string): Json {
  return { uniqueItems: true, type: 'string', description, name, in: 'path', required: true };
}
function body(schemaName: string, required: boolean): Json {
  const p: Json = { in: 'body', name: 'body', schema: refTo(schemaName) };
  if (required) p.required = true;
  return p;
}

const Q = {
  ...(Object.fromEntries(Object.entries(QUERY_PARAMETERS).map(([k, [name, type]]) => [k, query(name, type)])) as Record<keyof typeof QUERY_PARAMETERS, Json>),
};

const OP = OPERATION_QUERY_PARAMETERS;
const LIST_PARAMS = OP.list.map((k) => Q[k]);
const WRITE_PARAMS = OP.write.map((k) => Q[k]);
const PATCH_PARAMS = OP.patch.map((k) => Q[k]);
const DELETE_PARAMS = OP.delete.map((k) => Q[k]);
const DELETECOLLECTION_PARAMS = OP.deletecollection.map((k) => Q[k]);

function refTo(name: string): { $ref: string } {
  return { $ref: REF_PREFIX + name };
}

const STATUS_TEXT: Record<string, string> = { '200': 'OK', '201': 'Created', '202': 'Accepted' };

function responses(schemaName: string | undefined, codes: string[]): Json {
  const out: Json = {};
  for (const c of codes) {
    const r: Json = { description: STATUS_TEXT[c] ?? 'OK' };
    if (schemaName) r.schema = refTo(schemaName);
    out[c] = r;
  }
  out['401'] = { description: 'Unauthorized' };
  return out;
}

// ---------------------------------------------------------------------------------------------
// Paths.

/** "rbac.authorization.k8s.io" → "RbacAuthorization", "" → "Core": upstream's operation id infix. */
function groupCamel(group: string): string {
  if (group === '') return 'Core';
  return group
    .replace(/\.k8s\.io$/, '')
    .replace(/\.apiserver$/, '')
    .split(/[.-]/)
    .map((p) => p.charAt(0).toUpperCase() + p.slice(1))
    .join('');
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

interface GroupVersionOps {
  tag: string;
  /** e.g. "AppsV1", used in operation ids. */
  infix: string;
}

function opsFor(group: string, version: string): GroupVersionOps {
  const camel = groupCamel(group);
  return { tag: `${camel.charAt(0).toLowerCase()}${camel.slice(1)}_${version}`, infix: `${camel}${capitalize(version)}` };
}

function operation(id: string, action: string, gvk: GroupVersionKind, g: GroupVersionOps, fields: Json): Json {
  return {
    consumes: CONSUMES_ANY,
    operationId: id,
    produces: PRODUCES,
    schemes: ['https'],
    tags: [g.tag],
    ...fields,
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': { group: gvk.group, kind: gvk.kind, version: gvk.version },
  };
}

/** The ref target if the registry has it; paths never point at a missing definition. */
function known(reg: SchemaRegistry, name: string | undefined): string | undefined {
  return name !== undefined && reg.has(name) ? name : undefined;
}

function listSchemaName(r: ResourceInfo): string {
  return r.schemaName.slice(0, r.schemaName.length - r.kind.length) + r.listKind;
}

function addResourcePaths(paths: Json, reg: SchemaRegistry, r: ResourceInfo): void {
  const g = opsFor(r.group, r.version);
  const gvk = { group: r.group, version: r.version, kind: r.kind };
  const verbs = new Set(r.verbs);
  const prefix = r.group === '' ? `/api/${r.version}` : `/apis/${r.group}/${r.version}`;
  const base = r.namespaced ? `${prefix}/namespaces/{namespace}/${r.plural}` : `${prefix}/${r.plural}`;
  const scope = r.namespaced ? 'Namespaced' : '';
  const nsParams = r.namespaced ? [pathParam('namespace', 'object name and auth scope, such as for teams and projects')] : [];
  const root = known(reg, r.schemaName);
  const list = known(reg, listSchemaName(r)) ?? root;
  const idKind = `${scope}${r.kind}`;

  const collection: Json = {};
  if (verbs.has('deletecollection')) {
    collection.delete = operation(`delete${g.infix}Collection${idKind}`, 'deletecollection', gvk, g, {
      parameters: [body(DELETE_OPTIONS, false), ...DELETECOLLECTION_PARAMS],
      responses: responses(known(reg, STATUS), ['200']),
    });
  }
  if (verbs.has('list')) {
    collection.get = operation(`list${g.infix}${idKind}`, 'list', gvk, g, {
      produces: PRODUCES_LIST,
      parameters: LIST_PARAMS,
      responses: responses(list, ['200']),
    });
  }
  if (verbs.has('create')) {
    collection.post = operation(`create${g.infix}${idKind}`, 'post', gvk, g, {
      parameters: [body(r.schemaName, true), ...WRITE_PARAMS],
      responses: responses(root, ['200', '201', '202']),
    });
  }
  if (Object.keys(collection).length > 0) paths[base] = { ...collection, parameters: [...nsParams, Q.pretty] };

  const itemParams = [pathParam('name', `name of the ${r.kind}`), ...nsParams, Q.pretty];
  const item: Json = {};
  if (verbs.has('delete')) {
    item.delete = operation(`delete${g.infix}${idKind}`, 'delete', gvk, g, {
      parameters: [body(DELETE_OPTIONS, false), ...DELETE_PARAMS],
      responses: responses(known(reg, STATUS), ['200', '202']),
    });
  }
  if (verbs.has('get')) item.get = operation(`read${g.infix}${idKind}`, 'get', gvk, g, { responses: responses(root, ['200']) });
  if (verbs.has('patch')) item.patch = patchOperation(`patch${g.infix}${idKind}`, gvk, g, root);
  if (verbs.has('update')) {
    item.put = operation(`replace${g.infix}${idKind}`, 'put', gvk, g, {
      parameters: [body(r.schemaName, true), ...WRITE_PARAMS],
      responses: responses(root, ['200', '201']),
    });
  }
  if (Object.keys(item).length > 0) paths[`${base}/{name}`] = { ...item, parameters: itemParams };

  for (const sub of r.subresources) {
    const ops = subresourceOperations(reg, r, sub, g, `${idKind}${capitalize(sub.name)}`);
    if (ops) paths[`${base}/{name}/${sub.name}`] = { ...ops, parameters: itemParams };
  }

  // The cluster-wide list of a namespaced resource, e.g. GET /apis/apps/v1/deployments.
  if (r.namespaced && verbs.has('list')) {
    paths[`${prefix}/${r.plural}`] = {
      get: operation(`list${g.infix}${r.kind}ForAllNamespaces`, 'list', gvk, g, { produces: PRODUCES_LIST, responses: responses(list, ['200']) }),
      parameters: [...LIST_PARAMS, Q.pretty],
    };
  }
}

function patchOperation(id: string, gvk: GroupVersionKind, g: GroupVersionOps, schemaName: string | undefined): Json {
  return operation(id, 'patch', gvk, g, {
    consumes: CONSUMES_PATCH,
    parameters: [body(PATCH, true), ...PATCH_PARAMS],
    responses: responses(schemaName, ['200', '201']),
  });
}

function subresourceOperations(reg: SchemaRegistry, r: ResourceInfo, sub: SubresourceInfo, g: GroupVersionOps, idKind: string): Json | undefined {
  const rk = sub.responseKind;
  const schemaName = known(reg, reg.nameForGVK(rk.group, rk.version, rk.kind)) ?? known(reg, r.schemaName);
  const verbs = new Set(sub.verbs);
  const out: Json = {};
  if (CONNECT_SUBRESOURCES.has(sub.name)) {
    const ok = { '200': { description: 'OK', schema: { type: 'string' } }, '401': { description: 'Unauthorized' } };
    const connect = { produces: ['*/*'], responses: ok };
    if (verbs.has('get')) out.get = operation(`connectGet${g.infix}${idKind}`, 'connect', rk, g, connect);
    if (verbs.has('create')) out.post = operation(`connectPost${g.infix}${idKind}`, 'connect', rk, g, connect);
    return Object.keys(out).length > 0 ? out : undefined;
  }
  if (verbs.has('get')) out.get = operation(`read${g.infix}${idKind}`, 'get', rk, g, { responses: responses(schemaName, ['200']) });
  if (verbs.has('patch')) out.patch = patchOperation(`patch${g.infix}${idKind}`, rk, g, schemaName);
  if (verbs.has('create')) {
    out.post = operation(`create${g.infix}${idKind}`, 'post', rk, g, {
      parameters: schemaName ? [body(schemaName, true), ...WRITE_PARAMS] : WRITE_PARAMS,
      responses: responses(schemaName, ['200', '201', '202']),
    });
  }
  if (verbs.has('update')) {
    out.put = operation(`replace${g.infix}${idKind}`, 'put', rk, g, {
      parameters: schemaName ? [body(schemaName, true), ...WRITE_PARAMS] : WRITE_PARAMS,
      responses: responses(schemaName, ['200', '201']),
    });
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

// ---------------------------------------------------------------------------------------------
// Definitions: registry nodes (OpenAPI v3 subset) → Swagger 2.0 schemas.

/** Keys a $ref keeps beside it: kube-openapi's v2 reader rejects a $ref with a type or properties. */
const REF_SIBLINGS = new Set(['description', 'default']);

/** Keys with no Swagger 2.0 meaning, dropped as upstream's v2 conversion drops them. */
const V3_ONLY = new Set(['oneOf', 'anyOf', 'not', 'nullable', 'allOf']);

export interface ConvertContext {
  reg: SchemaRegistry;
  /** Schema names the converted nodes refer to (to publish them too). */
  refs: Set<string>;
  /** Built-in schemas describe Quantity-like unions we can name as strings; CRD ones stay untyped, as upstream. */
  builtin: boolean;
}

function isPrimitive(t: unknown): boolean {
  return t === 'string' || t === 'integer' || t === 'number' || t === 'boolean';
}

/** The single $ref an `allOf: [{$ref}]` wrapper stands for, if that is all it is. */
function wrappedRef(node: SchemaNode): string | undefined {
  if (node.$ref) return node.$ref;
  if (node.allOf && node.allOf.length === 1 && node.allOf[0]!.$ref && !node.type && !node.properties) return node.allOf[0]!.$ref;
  return undefined;
}

/** Converts one registry node. `depth` 0 is a definition's root. */
export function toV2Schema(node: SchemaNode, ctx: ConvertContext, depth = 0): Json {
  const ref = wrappedRef(node);
  if (ref !== undefined) {
    const out: Json = {};
    if (ctx.reg.has(ref)) {
      out.$ref = REF_PREFIX + ref;
      ctx.refs.add(ref);
    }
    for (const [k, v] of Object.entries(node)) {
      if (REF_SIBLINGS.has(k) || (k.startsWith('x-') && !k.startsWith('x-k8ts-'))) out[k] = v;
    }
    return out;
  }

  const out: Json = {};
  for (const [k, v] of Object.entries(node)) {
    if (V3_ONLY.has(k) || k.startsWith('x-k8ts-')) continue;
    switch (k) {
      case 'properties': {
        const props: Json = {};
        for (const [p, child] of Object.entries(v as Record<string, SchemaNode>)) props[p] = toV2Schema(child, ctx, depth + 1);
        out.properties = props;
        break;
      }
      case 'items':
        out.items = toV2Schema(v as SchemaNode, ctx, depth + 1);
        break;
      case 'additionalProperties':
        out.additionalProperties = typeof v === 'boolean' ? v : toV2Schema(v as SchemaNode, ctx, depth + 1);
        break;
      default:
        out[k] = v;
    }
  }

  if (out.type === undefined) {
    if (node.format === 'int-or-string') out.type = 'string';
    else if (ctx.builtin && namesAString(node.oneOf ?? node.anyOf)) out.type = 'string';
  }
  // Upstream's v2 conversion: nullable and preserve-unknown values become untyped or shapeless,
  // since kubectl's v2 reader cannot represent them; a definition root keeps its fields.
  if (node.nullable) {
    delete out.type;
    if (depth > 0) {
      delete out.items;
      delete out.properties;
    }
  }
  if (node['x-kubernetes-preserve-unknown-fields'] && depth > 0) {
    delete out.items;
    delete out.properties;
  }
  if (out.type === 'array' && out.items === undefined) delete out.type;
  if (Array.isArray(out.required) && out.properties) {
    const props = node.properties ?? {};
    const required = (out.required as string[]).filter((f) => !props[f]?.nullable);
    if (required.length > 0) out.required = required;
    else delete out.required;
  }
  return out;
}

/** A oneOf/anyOf of primitive types that includes string (Quantity) is published as a string. */
function namesAString(branches: SchemaNode[] | undefined): boolean {
  if (!branches || branches.length === 0) return false;
  return branches.every((b) => isPrimitive(b.type)) && branches.some((b) => b.type === 'string');
}

function collectPathRefs(node: unknown, into: Set<string>): void {
  if (Array.isArray(node)) {
    for (const n of node) collectPathRefs(n, into);
  } else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string' && v.startsWith(REF_PREFIX)) into.add(v.slice(REF_PREFIX.length));
      else collectPathRefs(v, into);
    }
  }
}

/** Publishes `roots` and every schema they reach, sorted by name as upstream does. */
function publishDefinitions(reg: SchemaRegistry, roots: Iterable<string>): Json {
  const published = new Map<string, Json>();
  const queue = [...roots];
  while (queue.length > 0) {
    const name = queue.pop()!;
    if (published.has(name)) continue;
    const node = reg.get(name);
    if (!node) continue;
    const refs = new Set<string>();
    published.set(name, toV2Schema(node, { reg, refs, builtin: !reg.isCustom(name) }));
    for (const r of refs) if (!published.has(r)) queue.push(r);
  }
  const out: Json = {};
  for (const name of [...published.keys()].sort()) out[name] = published.get(name);
  return out;
}

/** The Swagger 2.0 document for every resource in `resources` and every schema they reach. */
export function buildOpenAPIv2(reg: SchemaRegistry, resources: ResourceInfo[]): Json {
  const paths: Json = {};
  const ordered = [...resources].sort((a, b) => {
    const ka = `${a.group}/${a.version}/${a.plural}`;
    const kb = `${b.group}/${b.version}/${b.plural}`;
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
  for (const r of ordered) addResourcePaths(paths, reg, r);

  const sortedPaths: Json = {};
  for (const p of Object.keys(paths).sort()) sortedPaths[p] = paths[p];

  const roots = new Set<string>();
  collectPathRefs(sortedPaths, roots);
  for (const r of ordered) {
    roots.add(r.schemaName);
    roots.add(listSchemaName(r));
  }

  return {
    swagger: '2.0',
    info: { title: 'Kubernetes', version: OPENAPI_V2_VERSION },
    paths: sortedPaths,
    definitions: publishDefinitions(reg, roots),
    securityDefinitions: { BearerToken: { description: 'Bearer Token authentication', type: 'apiKey', name: 'authorization', in: 'header' } },
    security: [{ BearerToken: [] }],
  };
}

interface CachedV2 {
  key: string;
  bytes: Buffer;
}

const cache = new WeakMap<SchemaRegistry, CachedV2>();

/**
 * The gnostic protobuf bytes of buildOpenAPIv2, rebuilt only when the registry version or the set
 * of resources changes (the resource key is cheap next to a rebuild).
 */
export function openAPIv2Protobuf(reg: SchemaRegistry, resources: ResourceInfo[]): Buffer {
  let key = String(reg.version);
  for (const r of resources) key += `|${r.group}/${r.version}/${r.plural}`;
  const hit = cache.get(reg);
  if (hit && hit.key === key) return hit.bytes;
  const bytes = encodeGnosticDocument(buildOpenAPIv2(reg, resources));
  cache.set(reg, { key, bytes });
  return bytes;
}
