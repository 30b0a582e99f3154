// Store keys, as upstream lays them out: /registry/<resource>/<namespace>/<name>, with the group
// in front of the resource for non-core groups.
import type { ResourceInfo } from '../../api/registry/types.js';

export function resourcePrefix(r: Pick<ResourceInfo, 'group' | 'plural'>): string {
  return r.group ? `/registry/${r.group}/${r.plural}/` : `/registry/${r.plural}/`;
}

export function objectKey(r: Pick<ResourceInfo, 'group' | 'plural' | 'namespaced'>, namespace: string, name: string): string {
  return r.namespaced ? `${resourcePrefix(r)}${namespace}/${name}` : `${resourcePrefix(r)}${name}`;
}

/** Prefix of one namespace's objects, or of all of them when namespace is empty. */
export function listPrefix(r: Pick<ResourceInfo, 'group' | 'plural' | 'namespaced'>, namespace: string): string {
  return r.namespaced && namespace ? `${resourcePrefix(r)}${namespace}/` : resourcePrefix(r);
}
