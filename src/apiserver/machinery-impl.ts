// Binds the ApiMachinery seam to the real implementations in src/api/.
import { parse as parseYaml } from 'yaml';
import type { KubeObject } from '../api/object.js';
import { errors, type StatusCause } from '../api/errors.js';
import type { ResourceInfo } from '../api/registry/types.js';
import type { SchemaNode } from '../api/schema/types.js';
import { SchemaRegistry } from '../api/schema/registry.js';
import { checkFields } from '../api/schema/fields.js';
import type { ApiMachinery, ApplyResult, TableOptions } from './machinery.js';

export function createMachinery(reg: SchemaRegistry): ApiMachinery {
  const schemaCache = new Map<ResourceInfo, SchemaNode | undefined>();
  const schemaFor = (info: ResourceInfo) => {
    if (!schemaCache.has(info)) schemaCache.set(info, reg.get(info.schemaName));
    return schemaCache.get(info);
  };
  return {
    resolver: reg,
    decodeBody(body, mt) {
      const text = body.toString('utf8');
      try {
        if (mt === 'application/yaml' || mt === 'application/apply-patch+yaml') return { value: parseYaml(text, { maxAliasCount: 100 }), duplicates: [] };
        return { value: JSON.parse(text), duplicates: [] };
      } catch (e) {
        throw errors.badRequest(`error decoding body: ${(e as Error).message}`);
      }
    },
    schemaFor,
    checkFields(info, obj) {
      if (!reg.get(info.schemaName)) return { unknown: [] };
      return checkFields(reg, info.schemaName, obj);
    },
    validateMeta(_info, obj, isCreate): StatusCause[] {
      void obj;
      void isCreate;
      return [];
    },
    table(info: ResourceInfo, objects: KubeObject[], opts: TableOptions) {
      return {
        kind: 'Table',
        apiVersion: 'meta.k8s.io/v1',
        metadata: { resourceVersion: opts.resourceVersion, ...(opts.continueToken ? { continue: opts.continueToken } : {}) },
        columnDefinitions: opts.omitColumns ? [] : [{ name: 'Name', type: 'string', format: 'name', description: 'Name', priority: 0 }, { name: 'Age', type: 'string', format: '', description: 'Age', priority: 0 }],
        rows: objects.map((o) => ({ cells: [o.metadata.name, o.metadata.creationTimestamp ?? '<unknown>'], object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata } })),
        _kind: info.kind,
      };
    },
    applyJsonPatch() {
      throw errors.unsupportedMediaType('application/json-patch+json');
    },
    applyMergePatch(doc, patch) {
      return mergePatch(doc, patch);
    },
    applyStrategicMergePatch(doc, patch) {
      return mergePatch(doc, patch);
    },
    serverSideApply(live, applied): ApplyResult {
      return { object: (live ? mergePatch(live, applied) : applied) as KubeObject, conflicts: [] };
    },
    trackUpdate() {},
  };
}

function mergePatch(doc: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> = doc && typeof doc === 'object' && !Array.isArray(doc) ? { ...(doc as object) } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}
