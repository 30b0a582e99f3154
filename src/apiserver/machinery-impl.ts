// Binds the ApiMachinery seam to the real implementations in src/api/.
import { decodeJsonBody, decodeYamlBody } from '../api/decode/body.js';
import { decodeKubeProtobuf } from '../api/schema/protobuf.js';
import type { KubeObject } from '../api/object.js';
import { errors, type StatusCause } from '../api/errors.js';
import type { ResourceInfo } from '../api/registry/types.js';
import type { SchemaNode } from '../api/schema/types.js';
import { SchemaRegistry } from '../api/schema/registry.js';
import { checkFields } from '../api/schema/fields.js';
import { normalizeQuantities } from '../api/schema/normalize.js';
import { secretDecodeError } from '../api/validation/config.js';
import { validateObjectMeta } from '../api/validation/meta.js';
import { strategyFor } from '../api/registry/strategies.js';
import { buildTable, crdPrinter } from '../api/printers/index.js';
import type { CustomResourceInfo } from './crd/custom-resource-info.js';
import type { ApiMachinery, TableOptions } from './machinery.js';
import type { JsonObject } from '../api/object.js';
import { applyJsonPatch, applyMergePatchToObject, applyStrategicMergePatch, serverSideApply, applyConflictError, trackUpdate } from '../api/patch/index.js';

export function createMachinery(reg: SchemaRegistry): ApiMachinery {
  const schemaCache = new Map<ResourceInfo, SchemaNode | undefined>();
  const schemaFor = (info: ResourceInfo) => {
    if (!schemaCache.has(info)) schemaCache.set(info, reg.get(info.schemaName));
    return schemaCache.get(info);
  };
  return {
    resolver: reg,
    decodeBody(body, mt) {
      switch (mt) {
        case 'application/json':
        case 'application/merge-patch+json':
        case 'application/strategic-merge-patch+json':
        case 'application/json-patch+json':
          return decodeJsonBody(body, { strictDuplicates: true });
        case 'application/yaml':
        case 'application/apply-patch+yaml':
          return decodeYamlBody(body, { strictDuplicates: true });
        case 'application/vnd.kubernetes.protobuf':
          return { value: decodeKubeProtobuf(body).object, duplicates: [] };
        default:
          throw errors.unsupportedMediaType(mt, 'application/json, application/yaml, application/vnd.kubernetes.protobuf');
      }
    },
    schemaFor,
    checkFields(info, obj) {
      if (info.group === '' && info.kind === 'Secret') {
        const bad = secretDecodeError(obj);
        if (bad) throw bad;
      }
      const schema = reg.get(info.schemaName);
      if (!schema) return { unknown: [] };
      normalizeQuantities(schema, obj, reg);
      return checkFields(reg, info.schemaName, obj);
    },
    validateMeta(info, obj): StatusCause[] {
      const builtin = info.group !== 'apiextensions.k8s.io' && !(info as CustomResourceInfo).crdName;
      return validateObjectMeta(obj.metadata, { namespaced: info.namespaced, nameRule: strategyFor(info.group, info.kind).nameRule, kubeFinalizerNames: builtin });
    },
    table(info: ResourceInfo, objects: KubeObject[], opts: TableOptions) {
      const printer = (info as CustomResourceInfo).printerColumns ? crdPrinter((info as CustomResourceInfo).printerColumns) : undefined;
      return buildTable({
        group: info.group,
        kind: info.kind,
        objects,
        now: opts.now,
        includeObject: opts.includeObject,
        resourceVersion: opts.resourceVersion,
        continue: opts.continueToken,
        remainingItemCount: opts.remainingItemCount,
        omitColumns: opts.omitColumns,
        printer,
      });
    },
    applyJsonPatch(doc, ops) {
      return applyJsonPatch(doc as JsonObject, ops);
    },
    applyMergePatch(doc, patch) {
      return applyMergePatchToObject(doc as JsonObject, patch);
    },
    applyStrategicMergePatch(doc, patch, schema) {
      return applyStrategicMergePatch(doc as JsonObject, patch, schema, reg);
    },
    serverSideApply(live, applied, o) {
      const res = serverSideApply(live as unknown as JsonObject | null, applied, { ...o, resolver: reg });
      if (res.conflicts.length) throw applyConflictError(res.conflicts);
      return res.object as unknown as KubeObject;
    },
    trackUpdate(old, obj, o) {
      const tracked = trackUpdate(old as unknown as JsonObject | null, obj as unknown as JsonObject, { ...o, resolver: reg });
      const mf = (tracked as any).metadata?.managedFields;
      if (mf) obj.metadata.managedFields = mf;
      else delete obj.metadata.managedFields;
    },
  };
}
