// Publishes the schema registry as OpenAPI v3, one document per group-version in the shape of
// upstream's /openapi/v3/<gv> documents, plus the /openapi/v3 index with a content hash per
// document. kubectl reads these for field validation (the PATCH fieldValidation parameter), client-side
// apply (merge keys) and explain (component schemas tagged with their GVK). Builds documents only;
// caching them and answering HTTP is the server's business.
import { createHash } from 'node:crypto';
import type { ResourceInfo, SubresourceInfo } from '../registry/types.js';
import type { SchemaNode } from './types.js';
import type { SchemaRegistry } from './registry.js';

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1.';
const DELETE_OPTIONS = `${META}DeleteOptions`;
const STATUS = `${META}Status`;
const PATCH = `${META}Patch`;
const API_RESOURCE_LIST = `${META}APIResourceList`;
const REF_PREFIX = '#/components/schemas/';

const RESPONSE_TYPES = ['application/json', 'application/vnd.kubernetes.protobuf', 'application/yaml'];
const PATCH_TYPES = [
  'application/apply-patch+yaml',
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
];

type Json = Record<string, unknown>;
type Param = { name: string; in: 'query' | 'path'; required?: boolean; schema: { type: string; uniqueItems: true } };

function query(name: string, type = 'string'): Param {
  return { name, in: 'query', schema: { type, uniqueItems: true } };
}
function pathParam(name: string): Param {
  return { name, in: 'path', required: true, schema: { type: 'string', uniqueItems: true } };
}

/** Query parameters of API operations, shared by the v3 and v2 documents: key -> [name, type]. */
export const QUERY_PARAMETERS = {
  allowWatchBookmarks: ['allowWatchBookmarks', 'boolean'],
  continue: ['continue', 'string'],
  dryRun: ['dryRun', 'string'],
  fieldManager: ['fieldManager', 'string'],
  fieldSelector: ['fieldSelector', 'string'],
  fieldValidation: ['fieldValidation', 'string'],
  force: ['force', 'boolean'],
  gracePeriodSeconds: ['gracePeriodSeconds', 'integer'],
  ignoreStoreReadError: ['ignoreStoreReadErrorWithClusterBreakingPotential', 'boolean'],
  labelSelector: ['labelSelector', 'string'],
  limit: ['limit', 'integer'],
  orphanDependents: ['orphanDependents', 'boolean'],
  pretty: ['pretty', 'string'],
  propagationPolicy: ['propagationPolicy', 'string'],
  resourceVersion: ['resourceVersion', 'string'],
  resourceVersionMatch: ['resourceVersionMatch', 'string'],
  sendInitialEvents: ['sendInitialEvents', 'boolean'],
  timeoutSeconds: ['timeoutSeconds', 'integer'],
  watch: ['watch', 'boolean'],
} as const;

type QueryParameter = keyof typeof QUERY_PARAMETERS;

/** The query parameters each kind of operation takes, as upstream lists them (v2 and v3 alike). */
export const OPERATION_QUERY_PARAMETERS: Record<'list' | 'write' | 'patch' | 'delete' | 'deletecollection', readonly QueryParameter[]> = {
  list: ['allowWatchBookmarks', 'continue', 'fieldSelector', 'labelSelector', 'limit', 'resourceVersion', 'resourceVersionMatch', 'sendInitialEvents', 'timeoutSeconds', 'watch'],
  write: ['dryRun', 'fieldManager', 'fieldValidation'],
  patch: ['dryRun', 'fieldManager', 'fieldValidation', 'force'],
  delete: ['dryRun', 'gracePeriodSeconds', 'ignoreStoreReadError', 'orphanDependents', 'propagationPolicy'],
  deletecollection: [
    'continue', 'dryRun', 'fieldSelector', 'gracePeriodSeconds', 'ignoreStoreReadError', 'labelSelector', 'limit',
    'orphanDependents', 'propagationPolicy', 'resourceVersion', 'resourceVersionMatch', 'sendInitialEvents', 'timeoutSeconds',
  ],
};

const P = {
  ...(Object.fromEntries(Object.entries(QUERY_PARAMETERS).map(([k, [name, type]]) => [k, query(name, type)])) as Record<keyof typeof QUERY_PARAMETERS, Param>),
  name: pathParam('name'),
  namespace: pathParam('namespace'),
};

const OP = OPERATION_QUERY_PARAMETERS;
const LIST_PARAMS = OP.list.map((k) => P[k]);
const WRITE_PARAMS = OP.write.map((k) => P[k]);
const PATCH_PARAMS = OP.patch.map((k) => P[k]);
const DELETE_PARAMS = OP.delete.map((k) => P[k]);
const DELETECOLLECTION_PARAMS = OP.deletecollection.map((k) => P[k]);

/** Subresources that stream or tunnel rather than read or write an object. */
const CONNECT_SUBRESOURCES = new Set(['exec', 'attach', 'portforward', 'proxy']);

export interface GroupVersion {
  group: string;
  version: string;
}

/** The index key of a group-version: "api/v1" or "apis/apps/v1". */
export function openAPIv3Key(gv: GroupVersion): string {
  return gv.group === '' ? `api/${gv.version}` : `apis/${gv.group}/${gv.version}`;
}

function refTo(name: string): { $ref: string } {
  return { $ref: REF_PREFIX + name };
}

function content(types: string[], name: string): Json {
  const out: Json = {};
  for (const t of types) out[t] = { schema: refTo(name) };
  return out;
}

function responses(schemaName: string, codes: string[]): Json {
  const out: Json = {};
  for (const c of codes) out[c] = { description: c === '201' ? 'Created' : c === '202' ? 'Accepted' : 'OK', content: content(RESPONSE_TYPES, schemaName) };
  out['401'] = { description: 'Unauthorized' };
  return out;
}

/** "rbac.authorization.k8s.io" → "RbacAuthorization", "" → "Core": upstream's operation id infix. */
function groupCamel(group: string): string {
  if (group === '') return 'Core';
  const trimmed = group.replace(/\.k8s\.io$/, '').replace(/\.apiserver$/, '');
  return trimmed
    .split(/[.-]/)
    .map((p) => p.charAt(0).toUpperCase() + p.slice(1))
    .join('');
}

function tagFor(gv: GroupVersion): string {
  const camel = groupCamel(gv.group);
  return `${camel.charAt(0).toLowerCase()}${camel.slice(1)}_${gv.version}`;
}

/** Schema name of a resource's list kind: the root schema's package plus the list kind. */
function listSchemaName(r: ResourceInfo): string {
  return r.schemaName.slice(0, r.schemaName.length - r.kind.length) + r.listKind;
}

interface OpFactory {
  gv: GroupVersion;
  tag: string;
  idInfix: string;
}

function operation(
  f: OpFactory,
  verb: string,
  action: string,
  idKind: string,
  gvk: { group: string; version: string; kind: string },
  extra: Json,
): Json {
  return {
    operationId: `${verb}${f.idInfix}${idKind}`,
    tags: [f.tag],
    ...extra,
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': { group: gvk.group, version: gvk.version, kind: gvk.kind },
  };
}

function addResourcePaths(paths: Json, f: OpFactory, prefix: string, reg: SchemaRegistry, r: ResourceInfo): void {
  const gvk = { group: r.group, version: r.version, kind: r.kind };
  const verbs = new Set(r.verbs);
  const listName = listSchemaName(r);
  const scopes: { base: string; nsParams: Param[]; idScope: string }[] = r.namespaced
    ? [{ base: `${prefix}/namespaces/{namespace}/${r.plural}`, nsParams: [P.namespace], idScope: 'Namespaced' }]
    : [{ base: `${prefix}/${r.plural}`, nsParams: [], idScope: '' }];

  for (const { base, nsParams, idScope } of scopes) {
    const collection: Json = {};
    if (verbs.has('list')) {
      collection.get = operation(f, 'list', 'list', `${idScope}${r.kind}`, gvk, {
        parameters: LIST_PARAMS,
        responses: responses(reg.has(listName) ? listName : r.schemaName, ['200']),
      });
    }
    if (verbs.has('create')) {
      collection.post = operation(f, 'create', 'post', `${idScope}${r.kind}`, gvk, {
        parameters: WRITE_PARAMS,
        requestBody: { content: { '*/*': { schema: refTo(r.schemaName) } }, required: true },
        responses: responses(r.schemaName, ['200', '201', '202']),
      });
    }
    if (verbs.has('deletecollection')) {
      collection.delete = operation(f, 'deleteCollection', 'deletecollection', `${idScope}${r.kind}`, gvk, {
        parameters: DELETECOLLECTION_PARAMS,
        requestBody: { content: { '*/*': { schema: refTo(DELETE_OPTIONS) } } },
        responses: responses(STATUS, ['200']),
      });
    }
    if (Object.keys(collection).length > 0) paths[base] = { ...collection, parameters: [...nsParams, P.pretty] };

    const item: Json = {};
    if (verbs.has('get')) {
      item.get = operation(f, 'read', 'get', `${idScope}${r.kind}`, gvk, { responses: responses(r.schemaName, ['200']) });
    }
    if (verbs.has('update')) {
      item.put = operation(f, 'replace', 'put', `${idScope}${r.kind}`, gvk, {
        parameters: WRITE_PARAMS,
        requestBody: { content: { '*/*': { schema: refTo(r.schemaName) } }, required: true },
        responses: responses(r.schemaName, ['200', '201']),
      });
    }
    if (verbs.has('patch')) {
      item.patch = operation(f, 'patch', 'patch', `${idScope}${r.kind}`, gvk, patchOp(r.schemaName));
    }
    if (verbs.has('delete')) {
      item.delete = operation(f, 'delete', 'delete', `${idScope}${r.kind}`, gvk, {
        parameters: DELETE_PARAMS,
        requestBody: { content: { '*/*': { schema: refTo(DELETE_OPTIONS) } } },
        responses: responses(STATUS, ['200', '202']),
      });
    }
    const itemParams = [P.name, ...nsParams, P.pretty];
    if (Object.keys(item).length > 0) paths[`${base}/{name}`] = { ...item, parameters: itemParams };

    for (const sub of r.subresources) {
      const subPath = subresourcePath(f, reg, r, sub, idScope);
      if (subPath) paths[`${base}/{name}/${sub.name}`] = { ...subPath, parameters: itemParams };
    }
  }

  // The cluster-wide list of a namespaced resource, e.g. GET /apis/apps/v1/deployments.
  if (r.namespaced && verbs.has('list')) {
    paths[`${prefix}/${r.plural}`] = {
      get: operation(f, 'list', 'list', `${r.kind}ForAllNamespaces`, gvk, {
        responses: responses(reg.has(listName) ? listName : r.schemaName, ['200']),
      }),
      parameters: [...LIST_PARAMS, P.pretty],
    };
  }
}

function patchOp(schemaName: string): Json {
  return {
    parameters: PATCH_PARAMS,
    requestBody: { content: content(PATCH_TYPES, PATCH), required: true },
    responses: responses(schemaName, ['200', '201']),
  };
}

function subresourcePath(f: OpFactory, reg: SchemaRegistry, r: ResourceInfo, sub: SubresourceInfo, idScope: string): Json | undefined {
  const rk = sub.responseKind;
  const schemaName = reg.nameForGVK(rk.group, rk.version, rk.kind) ?? r.schemaName;
  const idKind = `${idScope}${r.kind}${sub.name.charAt(0).toUpperCase()}${sub.name.slice(1)}`;
  const verbs = new Set(sub.verbs);
  const out: Json = {};
  if (CONNECT_SUBRESOURCES.has(sub.name)) {
    const ok = { '200': { description: 'OK', content: { '*/*': { schema: { type: 'string' } } } }, '401': { description: 'Unauthorized' } };
    if (verbs.has('get')) out.get = operation(f, 'connectGet', 'connect', idKind, rk, { responses: ok });
    if (verbs.has('create')) out.post = operation(f, 'connectPost', 'connect', idKind, rk, { responses: ok });
    return Object.keys(out).length > 0 ? out : undefined;
  }
  if (verbs.has('get')) out.get = operation(f, 'read', 'get', idKind, rk, { responses: responses(schemaName, ['200']) });
  if (verbs.has('update')) {
    out.put = operation(f, 'replace', 'put', idKind, rk, {
      parameters: WRITE_PARAMS,
      requestBody: { content: { '*/*': { schema: refTo(schemaName) } }, required: true },
      responses: responses(schemaName, ['200', '201']),
    });
  }
  if (verbs.has('patch')) out.patch = operation(f, 'patch', 'patch', idKind, rk, patchOp(schemaName));
  if (verbs.has('create')) {
    out.post = operation(f, 'create', 'post', idKind, rk, {
      parameters: WRITE_PARAMS,
      requestBody: { content: { '*/*': { schema: refTo(schemaName) } }, required: true },
      responses: responses(schemaName, ['200', '201', '202']),
    });
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/**
 * Converts a registry node to its published form: $ref values get the components prefix, and a
 * $ref with sibling facts is wrapped in allOf, because OpenAPI 3.0 readers (kubectl's among them)
 * ignore everything beside a plain $ref.
 */
function publishNode(node: SchemaNode, refs: Set<string>): Json {
  const out: Json = {};
  for (const [key, value] of Object.entries(node)) {
    switch (key) {
      case '$ref':
        refs.add(value as string);
        break;
      case 'properties': {
        const props: Json = {};
        for (const [p, child] of Object.entries(value as Record<string, SchemaNode>)) props[p] = publishNode(child, refs);
        out.properties = props;
        break;
      }
      case 'items':
        out.items = publishNode(value as SchemaNode, refs);
        break;
      case 'additionalProperties':
        out.additionalProperties = typeof value === 'boolean' ? value : publishNode(value as SchemaNode, refs);
        break;
      case 'allOf':
      case 'oneOf':
      case 'anyOf':
        out[key] = (value as SchemaNode[]).map((n) => publishNode(n, refs));
        break;
      default:
        if (key.startsWith('x-k8ts-')) break; // our private annotations are not published
        out[key] = value;
    }
  }
  if (node.$ref) {
    const ref = refTo(node.$ref);
    const siblings = Object.keys(out).filter((k) => k !== 'default' && k !== 'description');
    if (siblings.length === 0) return { ...ref, ...out };
    return { allOf: [ref], ...out };
  }
  return out;
}

/** Publishes `roots` and every schema they reach, sorted by name as upstream does. */
function publishSchemas(reg: SchemaRegistry, roots: Iterable<string>): Json {
  const published = new Map<string, Json>();
  const queue = [...roots];
  while (queue.length > 0) {
    const name = queue.pop()!;
    if (published.has(name)) continue;
    const node = reg.get(name);
    if (!node) continue;
    const refs = new Set<string>();
    published.set(name, publishNode(node, refs));
    for (const r of refs) if (!published.has(r)) queue.push(r);
  }
  const out: Json = {};
  for (const name of [...published.keys()].sort()) out[name] = published.get(name);
  return out;
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

/**
 * The OpenAPI 3.0 document of one group-version: every resource's collection, item and
 * subresource paths and every schema they reach. Resources of other group-versions are ignored.
 */
export function buildOpenAPIv3(reg: SchemaRegistry, gv: GroupVersion, resources: ResourceInfo[]): Json {
  const prefix = '/' + openAPIv3Key(gv);
  const f: OpFactory = { gv, tag: tagFor(gv), idInfix: `${groupCamel(gv.group)}${gv.version.charAt(0).toUpperCase()}${gv.version.slice(1)}` };
  const paths: Json = {};
  paths[`${prefix}/`] = {
    get: {
      operationId: `get${f.idInfix}APIResources`,
      tags: [f.tag],
      responses: responses(API_RESOURCE_LIST, ['200']),
    },
  };
  const ordered = resources
    .filter((r) => r.group === gv.group && r.version === gv.version)
    .sort((a, b) => (a.plural < b.plural ? -1 : a.plural > b.plural ? 1 : 0));
  for (const r of ordered) addResourcePaths(paths, f, prefix, reg, r);

  const sortedPaths: Json = {};
  for (const p of Object.keys(paths).sort()) sortedPaths[p] = paths[p];

  const roots = new Set<string>();
  collectPathRefs(sortedPaths, roots);
  for (const r of ordered) roots.add(r.schemaName);

  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: 'unversioned' },
    paths: sortedPaths,
    components: {
      schemas: publishSchemas(reg, roots),
      securitySchemes: { BearerToken: { type: 'apiKey', name: 'authorization', in: 'header', description: 'Bearer Token authentication' } },
    },
  };
}

/** Upstream's hash of a published document: SHA-512 of its bytes, upper-case hex. */
export function openAPIv3Hash(body: string | Uint8Array): string {
  return createHash('sha512').update(body).digest('hex').toUpperCase();
}

export interface OpenAPIv3IndexEntry {
  gv: GroupVersion;
  /** The document, or its serialised form (hashed as given, so pass the exact bytes served). */
  doc: object | string;
}

/** The /openapi/v3 index: one hashed URL per group-version document. */
export function buildOpenAPIv3Index(entries: OpenAPIv3IndexEntry[]): { paths: Record<string, { serverRelativeURL: string }> } {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  const sorted = [...entries].sort((a, b) => (openAPIv3Key(a.gv) < openAPIv3Key(b.gv) ? -1 : 1));
  for (const e of sorted) {
    const key = openAPIv3Key(e.gv);
    const body = typeof e.doc === 'string' ? e.doc : JSON.stringify(e.doc);
    paths[key] = { serverRelativeURL: `/openapi/v3/${key}?hash=${openAPIv3Hash(body)}` };
  }
  return { paths };
}
