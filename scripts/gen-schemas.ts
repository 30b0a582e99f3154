// Dev-time generator for src/api/schema/data/builtin-schemas.json: the facts of every built-in type
// the server serves (field names, types, formats, required, enums, defaults, references, merge keys,
// list/map semantics, GVKs), taken from upstream's published OpenAPI and stripped of upstream's
// prose. The output is committed, so builds and CI never need these inputs or the network.
//
// Inputs:
//   --swagger FILE   upstream swagger.json (OpenAPI v2) of the Kubernetes release we follow (v1.32).
//                    Structure and x-kubernetes-* extensions come from here: it covers every group.
//   --v3-dir DIR     upstream OpenAPI v3 per-group-version documents (any release). They add the
//                    facts v2 leaves out (enum, default, oneOf of Quantity/IntOrString) wherever the
//                    same property exists in both. Default: ../shared/reference/openapi-v3.
//   --out FILE       default src/api/schema/data/builtin-schemas.json
//   --label TEXT     release named in the output's generatedFrom (default "kubernetes v1.32")
//
// Usage: node --import tsx scripts/gen-schemas.ts --swagger /path/to/swagger.json
import { readFileSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

type Json = Record<string, any>;

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Schema-name prefixes of the group-versions the server serves, plus the shared meta packages. */
const SERVED_PACKAGES = [
  'io.k8s.api.core.v1.',
  'io.k8s.api.apps.v1.',
  'io.k8s.api.autoscaling.v1.',
  'io.k8s.api.autoscaling.v2.',
  'io.k8s.api.batch.v1.',
  'io.k8s.api.discovery.v1.',
  'io.k8s.api.networking.v1.',
  'io.k8s.api.storage.v1.',
  'io.k8s.api.rbac.v1.',
  'io.k8s.api.coordination.v1.',
  'io.k8s.api.policy.v1.',
  'io.k8s.api.events.v1.',
  'io.k8s.api.certificates.v1.',
  'io.k8s.api.authentication.v1.',
  'io.k8s.api.authorization.v1.',
  'io.k8s.api.admissionregistration.v1.',
  'io.k8s.api.scheduling.v1.',
  'io.k8s.api.node.v1.',
  'io.k8s.api.flowcontrol.v1.',
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.',
  'io.k8s.apimachinery.pkg.apis.meta.v1.',
  'io.k8s.apimachinery.pkg.api.resource.',
  'io.k8s.apimachinery.pkg.runtime.',
  'io.k8s.apimachinery.pkg.util.intstr.',
  'io.k8s.apimachinery.pkg.version.',
];

/** Plain schema keywords worth keeping; everything named x-kubernetes-* is kept as well. */
const KEPT_KEYWORDS = new Set([
  '$ref', 'type', 'format', 'properties', 'additionalProperties', 'items', 'required', 'enum', 'default',
  'nullable', 'minimum', 'maximum', 'minLength', 'maxLength', 'pattern', 'minItems', 'maxItems',
  'allOf', 'oneOf', 'anyOf',
]);

/** Keywords v3 documents contribute on top of the v2 structure. */
const OVERLAY_KEYWORDS = ['enum', 'default', 'oneOf', 'anyOf'] as const;

function parseArgs(argv: string[]): { swagger: string; v3Dir: string; out: string; label: string } {
  const get = (flag: string): string | undefined => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const swagger = get('--swagger');
  if (!swagger) throw new Error('usage: gen-schemas.ts --swagger FILE [--v3-dir DIR] [--out FILE]');
  return {
    swagger,
    v3Dir: get('--v3-dir') ?? resolve(repoRoot, '../shared/reference/openapi-v3'),
    out: get('--out') ?? join(repoRoot, 'src/api/schema/data/builtin-schemas.json'),
    label: get('--label') ?? 'kubernetes v1.32',
  };
}

function refName(ref: string): string {
  return ref.replace(/^#\/(definitions|components\/schemas)\//, '');
}

/** Copies the facts of one node: drops prose, shortens $ref, flattens allOf:[{$ref}] wrappers. */
function clean(node: Json): Json {
  let src = node;
  if (Array.isArray(src.allOf) && src.allOf.length === 1 && src.allOf[0].$ref && !src.$ref) {
    const { allOf, ...rest } = src;
    src = { ...rest, $ref: allOf[0].$ref };
  }
  const out: Json = {};
  for (const key of Object.keys(src).sort()) {
    if (!KEPT_KEYWORDS.has(key) && !key.startsWith('x-kubernetes-')) continue;
    const v = src[key];
    switch (key) {
      case '$ref':
        out.$ref = refName(v);
        break;
      case 'properties': {
        const props: Json = {};
        for (const p of Object.keys(v).sort()) props[p] = clean(v[p]);
        out.properties = props;
        break;
      }
      case 'items':
        out.items = clean(v);
        break;
      case 'additionalProperties':
        out.additionalProperties = typeof v === 'boolean' ? v : clean(v);
        break;
      case 'allOf':
      case 'oneOf':
      case 'anyOf':
        out[key] = v.map((n: Json) => clean(n));
        break;
      default:
        out[key] = structuredClone(v);
    }
  }
  return out;
}

/** Adds v3-only facts to a v2-derived node, walking both in parallel where they agree. */
function overlay(base: Json, extra: Json | undefined): void {
  if (!extra) return;
  for (const key of OVERLAY_KEYWORDS) {
    if (extra[key] !== undefined && base[key] === undefined) {
      base[key] = structuredClone(extra[key]);
      // v3 describes IntOrString/Quantity by oneOf alone; a v2 "type: string" would contradict it.
      if (key === 'oneOf' && !extra.type) delete base.type;
    }
  }
  if (base.properties && extra.properties) {
    for (const p of Object.keys(base.properties)) overlay(base.properties[p], extra.properties[p]);
  }
  if (base.items && extra.items) overlay(base.items, extra.items);
  if (typeof base.additionalProperties === 'object' && typeof extra.additionalProperties === 'object') {
    overlay(base.additionalProperties, extra.additionalProperties);
  }
}

function collectRefs(node: unknown, into: Set<string>): void {
  if (Array.isArray(node)) {
    for (const n of node) collectRefs(n, into);
  } else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string') into.add(v);
      else if (k !== 'default' && k !== 'enum') collectRefs(v, into);
    }
  }
}

function loadV3Schemas(dir: string): Json {
  const merged: Json = {};
  let files: string[] = [];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
  } catch {
    console.warn(`no v3 documents at ${dir}; enums and defaults will be missing`);
  }
  for (const f of files) {
    const doc = JSON.parse(readFileSync(join(dir, f), 'utf8'));
    for (const [name, node] of Object.entries<Json>(doc.components?.schemas ?? {})) {
      merged[name] ??= clean(node);
    }
  }
  return merged;
}

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  const swagger = JSON.parse(readFileSync(args.swagger, 'utf8'));
  const defs: Json = swagger.definitions;
  const v3 = loadV3Schemas(args.v3Dir);

  const wanted = new Set(Object.keys(defs).filter((n) => SERVED_PACKAGES.some((p) => n.startsWith(p))));
  const schemas: Json = {};
  const queue = [...wanted].sort();
  while (queue.length > 0) {
    const name = queue.shift()!;
    if (schemas[name]) continue;
    const src = defs[name];
    if (!src) throw new Error(`referenced schema ${name} is not in the swagger document`);
    const node = clean(src);
    overlay(node, v3[name]);
    schemas[name] = node;
    const refs = new Set<string>();
    collectRefs(node, refs);
    for (const r of refs) if (!schemas[r]) queue.push(r);
  }

  const sorted: Json = {};
  for (const name of Object.keys(schemas).sort()) sorted[name] = schemas[name];
  const out = {
    generatedFrom: `${args.label} swagger.json, enums and defaults from v3 documents`,
    schemas: sorted,
  };
  mkdirSync(dirname(args.out), { recursive: true });
  writeFileSync(args.out, JSON.stringify(out) + '\n');
  console.log(`wrote ${Object.keys(sorted).length} schemas to ${args.out}`);
}

main();
