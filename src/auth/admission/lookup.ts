// Read access the admission plugins need (service accounts, limit ranges, quotas, namespaces,
// storage classes, webhook configurations). Plugins depend on this interface only; adapters
// below read the API server's own storages (no HTTP hop) or go through any KubeClient.
import type { KubeObject } from '../../api/object.js';
import type { KubeClient } from '../../client/types.js';
import { isNotFound } from '../../client/types.js';

export interface ObjectLookup {
  get(group: string, plural: string, namespace: string, name: string): Promise<KubeObject | undefined>;
  list(group: string, plural: string, namespace: string): Promise<KubeObject[]>;
}

/** The slice of ResourceStorage the storage adapter uses. */
export interface ReadableStorage {
  getCached(namespace: string, name: string): Promise<KubeObject | undefined>;
  list(namespace: string, opts: { filter: null; resourceVersion?: string }): Promise<{ items: KubeObject[] }>;
}

/** Lookups served from the API server's storages (watch cache), e.g. `(g, p) => byPlural.get(`${g}/${p}`)`. */
export function lookupFromStorages(storage: (group: string, plural: string) => ReadableStorage | undefined): ObjectLookup {
  return {
    async get(group, plural, namespace, name) {
      return storage(group, plural)?.getCached(namespace, name);
    },
    async list(group, plural, namespace) {
      const s = storage(group, plural);
      // Admission reads the watch cache as it is (upstream uses listers), never a consistent read,
      // which would wait on the store for every write.
      return s ? (await s.list(namespace, { filter: null, resourceVersion: '0' })).items : [];
    },
  };
}

const VERSIONS: Record<string, string> = {
  '': 'v1',
  'storage.k8s.io': 'v1',
  'admissionregistration.k8s.io': 'v1',
  'coordination.k8s.io': 'v1',
};

/** Lookups through an API client (version v1 of each group). */
export function lookupFromClient(client: KubeClient): ObjectLookup {
  return {
    async get(group, resource, namespace, name) {
      try {
        return await client.get({ group, version: VERSIONS[group] ?? 'v1', resource }, namespace, name);
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
    },
    async list(group, resource, namespace) {
      return (await client.list({ group, version: VERSIONS[group] ?? 'v1', resource }, namespace)).items;
    },
  };
}

/** A fixed set of objects keyed "group/plural"; for tests and static setups. */
export function staticLookup(objects: Record<string, KubeObject[]>): ObjectLookup {
  const all = (group: string, plural: string) => objects[`${group}/${plural}`] ?? [];
  return {
    async get(group, plural, namespace, name) {
      return all(group, plural).find((o) => o.metadata.name === name && (o.metadata.namespace ?? '') === namespace);
    },
    async list(group, plural, namespace) {
      return all(group, plural).filter((o) => !namespace || (o.metadata.namespace ?? '') === namespace);
    },
  };
}
