// Serves CustomResourceDefinitions: when a CRD appears it registers its schema, a storage, and the
// resources in the catalog (so discovery and OpenAPI show them at once) and marks it Established;
// when a CRD is deleted it removes every custom object first (the
// customresourcecleanup finalizer) and then stops serving it. Owns only CRD status and the
// objects of the CRD's own resource.
import type { Logger } from 'pino';
import type { KubeObject } from '../../api/object.js';
import { StatusError, type StatusCause } from '../../api/errors.js';
import type { ResourceInfo, ResourceStrategy, SubresourceInfo } from '../../api/registry/types.js';
import { customSchemaName, type SchemaRegistry } from '../../api/schema/registry.js';
import type { SchemaNode } from '../../api/schema/types.js';
import { validateValue } from '../../api/schema/validate.js';
import { checkFields } from '../../api/schema/fields.js';
import type { Store } from '../../store/types.js';
import type { ResourceCatalog } from '../catalog.js';
import { rfc3339, type RequestContext } from '../context.js';
import { ResourceStorage } from '../registry/resource-storage.js';
import type { CustomResourceInfo } from './custom-resource-info.js';
import type { ApiMachinery } from '../machinery.js';

export const CRD_CLEANUP_FINALIZER = 'customresourcecleanup.apiextensions.k8s.io';

export interface CrdControllerDeps {
  crds: ResourceStorage;
  catalog: ResourceCatalog;
  schemas: SchemaRegistry;
  store: Store;
  machinery: ApiMachinery;
  storages: Map<ResourceInfo, ResourceStorage>;
  context: () => RequestContext;
  logger: Logger;
}

interface Served {
  uid: string;
  resourceVersion: string;
  infos: CustomResourceInfo[];
  storage: ResourceStorage;
  abort: AbortController;
}

/** The ResourceInfos a CRD serves, one per served version (pure). */
export function resourceInfosForCRD(crd: KubeObject): CustomResourceInfo[] {
  const spec = (crd as any).spec ?? {};
  const names = spec.names ?? {};
  const group: string = spec.group;
  const namespaced = spec.scope !== 'Cluster';
  const out: CustomResourceInfo[] = [];
  for (const v of spec.versions ?? []) {
    if (!v.served) continue;
    const subresources: SubresourceInfo[] = [];
    const gvk = { group, version: v.name, kind: names.kind };
    if (v.subresources?.status) subresources.push({ name: 'status', responseKind: gvk, verbs: ['get', 'patch', 'update'] });
    if (v.subresources?.scale) subresources.push({ name: 'scale', responseKind: { group: 'autoscaling', version: 'v1', kind: 'Scale' }, verbs: ['get', 'patch', 'update'] });
    const scale = v.subresources?.scale;
    out.push({
      group,
      version: v.name,
      kind: names.kind,
      listKind: names.listKind ?? `${names.kind}List`,
      plural: names.plural,
      singular: names.singular ?? String(names.kind).toLowerCase(),
      shortNames: names.shortNames ?? [],
      categories: names.categories ?? [],
      namespaced,
      verbs: ['delete', 'deletecollection', 'get', 'list', 'patch', 'create', 'update', 'watch'],
      subresources,
      schemaName: customSchemaName(group, v.name, names.kind),
      printerColumns: v.additionalPrinterColumns,
      scalePaths: scale ? { spec: scale.specReplicasPath, status: scale.statusReplicasPath, selector: scale.labelSelectorPath } : undefined,
      selectableFields: (v.selectableFields ?? []).map((f: { jsonPath: string }) => f.jsonPath.replace(/^\./, '')),
      crdName: crd.metadata.name,
    });
  }
  return out;
}

function storageVersion(crd: KubeObject): string {
  const versions: any[] = (crd as any).spec?.versions ?? [];
  return (versions.find((v) => v.storage) ?? versions[0])?.name;
}

export class CrdController {
  private readonly served = new Map<string, Served>();

  constructor(private readonly d: CrdControllerDeps) {}

  async run(signal: AbortSignal): Promise<void> {
    const initial = await this.d.crds.list('', { filter: null });
    for (const crd of initial.items) await this.sync(crd, signal);
    const unsubscribe = this.d.crds.watch('', initial.resourceVersion, () => true, {
      onEvent: (ev) => {
        const p = ev.type === 'DELETED' ? this.unserve(ev.object.metadata.name!) : this.sync(ev.object, signal);
        void p.catch((err) => this.d.logger.warn({ err, crd: ev.object.metadata.name }, 'crd sync failed'));
      },
      onClose: () => undefined,
    });
    signal.addEventListener('abort', () => {
      unsubscribe();
      for (const name of [...this.served.keys()]) void this.unserve(name);
    }, { once: true });
  }

  private async sync(crd: KubeObject, signal: AbortSignal): Promise<void> {
    const name = crd.metadata.name!;
    const current = this.served.get(name);
    if (crd.metadata.deletionTimestamp) {
      await this.cleanup(crd);
      return;
    }
    if (!current || current.uid !== crd.metadata.uid || current.resourceVersion !== crd.metadata.resourceVersion) {
      if (!current || current.uid !== crd.metadata.uid || specKey(crd) !== specKey(current.infos)) await this.serve(crd, signal);
      else current.resourceVersion = crd.metadata.resourceVersion!;
    }
    await this.establish(crd);
  }

  private async serve(crd: KubeObject, signal: AbortSignal): Promise<void> {
    const name = crd.metadata.name!;
    const old = this.served.get(name);
    const infos = resourceInfosForCRD(crd);
    if (!infos.length) {
      if (old) await this.unserve(name);
      return;
    }
    const spec = (crd as any).spec;
    for (const v of spec.versions ?? []) {
      if (!v.served) continue;
      const schema: SchemaNode | undefined = v.schema?.openAPIV3Schema;
      this.d.schemas.addCustom(customSchemaName(spec.group, v.name, spec.names.kind), schema, { group: spec.group, version: v.name, kind: spec.names.kind }, { listKind: spec.names.listKind ?? `${spec.names.kind}List` });
    }
    const storageInfo = infos.find((i) => i.version === storageVersion(crd)) ?? infos[0]!;
    const strategy = customResourceStrategy(storageInfo, this.d.schemas);
    let storage = old?.storage;
    if (!storage || old?.uid !== crd.metadata.uid) {
      if (old) old.abort.abort();
      storage = new ResourceStorage(storageInfo, this.d.store, strategy, {
        checkFields: (obj) => checkFields(this.d.schemas, storageInfo.schemaName, obj),
        validateMeta: (obj, isCreate) => this.d.machinery.validateMeta(storageInfo, obj, isCreate),
      });
      storage.customResource = true;
    } else {
      (storage as { strategy: ResourceStrategy }).strategy = strategy;
    }
    const abort = old && old.storage === storage ? old.abort : new AbortController();
    signal.addEventListener('abort', () => abort.abort(), { once: true });
    await storage.start(abort.signal);
    for (const i of old?.infos ?? []) {
      this.d.storages.delete(i);
      if (!infos.some((n) => n.version === i.version)) this.d.catalog.remove(i.group, i.version, i.plural);
    }
    for (const i of infos) {
      this.d.storages.set(i, storage);
      this.d.catalog.add(i);
    }
    this.served.set(name, { uid: crd.metadata.uid!, resourceVersion: crd.metadata.resourceVersion!, infos, storage, abort });
  }

  private async unserve(name: string): Promise<void> {
    const s = this.served.get(name);
    if (!s) return;
    this.served.delete(name);
    for (const i of s.infos) {
      this.d.storages.delete(i);
      this.d.catalog.remove(i.group, i.version, i.plural);
      this.d.schemas.remove(i.schemaName);
    }
    s.abort.abort();
  }

  private async establish(crd: KubeObject): Promise<void> {
    const status = (crd as any).status ?? {};
    const conds: any[] = status.conditions ?? [];
    const established = conds.find((c) => c.type === 'Established')?.status === 'True';
    const hasFinalizer = crd.metadata.finalizers?.includes(CRD_CLEANUP_FINALIZER);
    if (established && hasFinalizer) return;
    const ctx = this.d.context();
    try {
      if (!hasFinalizer) {
        await this.d.crds.update('', crd.metadata.name!, (cur) => {
          cur.metadata.finalizers = [...(cur.metadata.finalizers ?? []), CRD_CLEANUP_FINALIZER];
          return cur;
        }, ctx);
      }
      await this.d.crds.update('', crd.metadata.name!, (cur) => {
        const spec = (cur as any).spec;
        const now = rfc3339(new Date());
        (cur as any).status = {
          conditions: [
            { type: 'NamesAccepted', status: 'True', lastTransitionTime: now, reason: 'NoConflicts', message: 'no conflicts found' },
            { type: 'Established', status: 'True', lastTransitionTime: now, reason: 'InitialNamesAccepted', message: 'the initial names have been accepted' },
          ],
          acceptedNames: spec.names,
          storedVersions: [...new Set([...((cur as any).status?.storedVersions ?? []), storageVersion(cur)])],
        };
        return cur;
      }, ctx, 'status');
    } catch (err) {
      if (!(err instanceof StatusError && (err.code === 404 || err.code === 409))) throw err;
    }
  }

  /** Deletes every custom object of a CRD being deleted, then releases the CRD. */
  private async cleanup(crd: KubeObject): Promise<void> {
    const name = crd.metadata.name!;
    const s = this.served.get(name);
    const ctx = this.d.context();
    if (s) {
      const all = await s.storage.list('', { filter: null });
      for (const obj of all.items) {
        try {
          // Custom objects go with their definition, finalizers or not (as upstream's cleanup does after deleting).
          await s.storage.update(obj.metadata.namespace ?? '', obj.metadata.name!, (cur) => {
            delete cur.metadata.finalizers;
            return cur;
          }, ctx).catch(() => undefined);
          await s.storage.delete(obj.metadata.namespace ?? '', obj.metadata.name!, {}, ctx);
        } catch (err) {
          if (!(err instanceof StatusError && err.code === 404)) throw err;
        }
      }
      await this.unserve(name);
    }
    try {
      await this.d.crds.update('', name, (cur) => {
        cur.metadata.finalizers = (cur.metadata.finalizers ?? []).filter((f) => f !== CRD_CLEANUP_FINALIZER);
        return cur;
      }, ctx);
    } catch (err) {
      if (!(err instanceof StatusError && err.code === 404)) throw err;
    }
  }
}

function specKey(x: KubeObject | CustomResourceInfo[]): string {
  const infos = Array.isArray(x) ? x : resourceInfosForCRD(x);
  return JSON.stringify(infos);
}

/** Rules for objects of a custom resource: schema validation and the status split. */
export function customResourceStrategy(info: CustomResourceInfo, schemas: SchemaRegistry): ResourceStrategy {
  const validate = (obj: KubeObject): StatusCause[] => {
    const root = schemas.resolve(schemas.get(info.schemaName));
    const out: StatusCause[] = [];
    if (!root?.properties) return out;
    for (const [k, v] of Object.entries(obj)) {
      if (k === 'metadata' || k === 'apiVersion' || k === 'kind') continue;
      const sub = root.properties[k];
      if (sub) validateValue(sub, v, k, schemas, out);
    }
    for (const req of root.required ?? []) if (obj[req] === undefined) out.push({ reason: 'FieldValueRequired', field: req, message: 'Required value' });
    return out;
  };
  return { hasStatus: info.subresources.some((s) => s.name === 'status'), validate };
}
