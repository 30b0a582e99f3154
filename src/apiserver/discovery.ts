// Discovery documents, legacy (APIVersions, APIGroupList, APIResourceList) and aggregated
// (apidiscovery.k8s.io/v2), all built from the ResourceCatalog.
import type { ResourceInfo } from '../api/registry/types.js';
import type { ResourceCatalog } from './catalog.js';

export const AGGREGATED_V2 = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';
export const AGGREGATED_V2BETA1 = 'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList';

/** Which aggregated form the Accept header asks for, if any. */
export function wantsAggregated(accept: string | undefined): 'v2' | 'v2beta1' | null {
  if (!accept) return null;
  for (const part of accept.split(',')) {
    const p = part.replace(/\s+/g, '');
    if (!p.includes('as=APIGroupDiscoveryList') || !p.includes('g=apidiscovery.k8s.io')) continue;
    if (p.includes('v=v2beta1')) return 'v2beta1';
    if (p.includes('v=v2')) return 'v2';
  }
  return null;
}

function gvString(group: string, version: string): string {
  return group ? `${group}/${version}` : version;
}

export function legacyApiVersions(serverAddress: string) {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
}

function apiGroup(g: { name: string; versions: string[] }) {
  const versions = g.versions.map((v) => ({ groupVersion: gvString(g.name, v), version: v }));
  return { name: g.name, versions, preferredVersion: versions[0] };
}

export function legacyGroupList(catalog: ResourceCatalog) {
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: catalog.groupList().filter((g) => g.name !== '').map(apiGroup) };
}

export function legacyGroup(catalog: ResourceCatalog, name: string) {
  const g = catalog.groupList().find((x) => x.name === name);
  return g ? { kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(g) } : undefined;
}

export function resourceList(catalog: ResourceCatalog, group: string, version: string) {
  const resources: object[] = [];
  for (const r of sortResources(catalog.resourcesIn(group, version))) {
    resources.push({
      name: r.plural,
      singularName: r.singular,
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: r.verbs,
      ...(r.shortNames.length ? { shortNames: r.shortNames } : {}),
      ...(r.categories.length ? { categories: r.categories } : {}),
      storageVersionHash: storageVersionHash(r),
    });
    for (const s of r.subresources) {
      const sameGV = s.responseKind.group === r.group && s.responseKind.version === r.version;
      resources.push({
        name: `${r.plural}/${s.name}`,
        singularName: '',
        namespaced: r.namespaced,
        ...(sameGV ? {} : { group: s.responseKind.group, version: s.responseKind.version }),
        kind: s.responseKind.kind,
        verbs: s.verbs,
      });
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: gvString(group, version), resources };
}

function sortResources(rs: ResourceInfo[]): ResourceInfo[] {
  return [...rs].sort((a, b) => a.plural.localeCompare(b.plural));
}

function storageVersionHash(r: ResourceInfo): string {
  let h = 0;
  for (const c of `${r.group}/${r.version}/${r.kind}`) h = (Math.imul(h, 31) + c.charCodeAt(0)) | 0;
  return Buffer.from(String(h >>> 0)).toString('base64').slice(0, 11);
}

/** apidiscovery.k8s.io/v2 APIGroupDiscoveryList for /api (core) or /apis (everything else). */
export function aggregatedDiscovery(catalog: ResourceCatalog, core: boolean, version: 'v2' | 'v2beta1') {
  const items = catalog
    .groupList()
    .filter((g) => (core ? g.name === '' : g.name !== ''))
    .map((g) => ({
      metadata: { name: g.name, creationTimestamp: null },
      versions: g.versions.map((v) => ({
        version: v,
        freshness: 'Current',
        resources: sortResources(catalog.resourcesIn(g.name, v)).map((r) => ({
          resource: r.plural,
          responseKind: { group: r.group, version: r.version, kind: r.kind },
          scope: r.namespaced ? 'Namespaced' : 'Cluster',
          singularResource: r.singular,
          verbs: r.verbs,
          ...(r.shortNames.length ? { shortNames: r.shortNames } : {}),
          ...(r.categories.length ? { categories: r.categories } : {}),
          ...(r.subresources.length
            ? { subresources: r.subresources.map((s) => ({ subresource: s.name, responseKind: s.responseKind, verbs: s.verbs })) }
            : {}),
        })),
      })),
    }));
  return { kind: 'APIGroupDiscoveryList', apiVersion: `apidiscovery.k8s.io/${version}`, metadata: {}, items };
}
