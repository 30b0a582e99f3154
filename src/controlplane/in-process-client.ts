// A minimal client for components living in the server process: the same storages (and so the
// same defaulting, validation and hooks) without the HTTP hop.
import type { KubeObject } from '../api/object.js';
import { StatusError } from '../api/errors.js';
import type { RequestContext } from '../apiserver/context.js';
import type { ResourceStorage } from '../apiserver/registry/resource-storage.js';

export class InProcessClient {
  constructor(private readonly storages: Map<string, ResourceStorage>, private readonly username = 'system:apiserver') {}

  storage(group: string, plural: string): ResourceStorage {
    const s = this.storages.get(`${group}/${plural}`);
    if (!s) throw new Error(`no storage for ${group}/${plural}`);
    return s;
  }

  context(): RequestContext {
    return {
      user: { username: this.username, groups: ['system:masters', 'system:authenticated'] },
      dryRun: false,
      fieldManager: 'k8ts-apiserver',
      defaultFieldManager: 'k8ts-apiserver',
      fieldValidation: 'Strict',
      warnings: [],
      now: new Date(),
      signal: new AbortController().signal,
    };
  }

  async get(group: string, plural: string, namespace: string, name: string): Promise<KubeObject | undefined> {
    try {
      return await this.storage(group, plural).get(namespace, name);
    } catch (err) {
      if (err instanceof StatusError && err.code === 404) return undefined;
      throw err;
    }
  }

  async create(group: string, plural: string, namespace: string, obj: KubeObject): Promise<KubeObject> {
    return this.storage(group, plural).create(structuredClone(obj), namespace, this.context());
  }

  /** Creates obj unless an object of that name exists. */
  async ensure(group: string, plural: string, namespace: string, obj: KubeObject): Promise<KubeObject> {
    const existing = await this.get(group, plural, namespace, obj.metadata.name!);
    if (existing) return existing;
    try {
      return await this.create(group, plural, namespace, obj);
    } catch (err) {
      if (err instanceof StatusError && err.code === 409) return (await this.get(group, plural, namespace, obj.metadata.name!))!;
      throw err;
    }
  }

  async update(group: string, plural: string, namespace: string, name: string, mutate: (o: KubeObject) => KubeObject, subresource = ''): Promise<KubeObject> {
    const res = await this.storage(group, plural).update(namespace, name, mutate, this.context(), subresource);
    return res.object;
  }

  async delete(group: string, plural: string, namespace: string, name: string): Promise<void> {
    await this.storage(group, plural).delete(namespace, name, {}, this.context());
  }
}
