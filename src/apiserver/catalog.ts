// The set of resources this server serves right now: built-ins plus CRDs added at run time.
// Answers "what is /apis/apps/v1/deployments" and builds the discovery documents from the same
// records, so discovery can never disagree with what is served.
import type { ResourceInfo } from '../api/registry/types.js';

export interface GroupVersion {
  group: string;
  version: string;
}

export class ResourceCatalog {
  private readonly byPath = new Map<string, ResourceInfo>();
  private groups: { name: string; versions: string[] }[] = [];
  private listeners = new Set<() => void>();
  /** Bumped on every change; discovery and OpenAPI documents cache on it. */
  generation = 0;

  constructor(resources: ResourceInfo[], private readonly groupOrder: string[] = []) {
    for (const r of resources) this.add(r, false);
    this.rebuildGroups();
  }

  private static key(group: string, version: string, plural: string): string {
    return `${group}/${version}/${plural}`;
  }

  add(r: ResourceInfo, notify = true): void {
    this.byPath.set(ResourceCatalog.key(r.group, r.version, r.plural), r);
    if (notify) this.changed();
  }

  remove(group: string, version: string, plural: string): void {
    this.byPath.delete(ResourceCatalog.key(group, version, plural));
    this.changed();
  }

  onChange(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private changed(): void {
    this.rebuildGroups();
    this.generation++;
    for (const l of this.listeners) l();
  }

  lookup(group: string, version: string, plural: string): ResourceInfo | undefined {
    return this.byPath.get(ResourceCatalog.key(group, version, plural));
  }

  /** Finds a resource by kind in a group-version (used for ownerReferences and reviews). */
  byKind(group: string, version: string, kind: string): ResourceInfo | undefined {
    for (const r of this.byPath.values()) if (r.group === group && r.version === version && r.kind === kind) return r;
    return undefined;
  }

  all(): ResourceInfo[] {
    return [...this.byPath.values()];
  }

  resourcesIn(group: string, version: string): ResourceInfo[] {
    return this.all().filter((r) => r.group === group && r.version === version);
  }

  /** Groups in preference order, each with its versions in preference order. */
  groupList(): { name: string; versions: string[] }[] {
    return this.groups;
  }

  hasGroupVersion(group: string, version: string): boolean {
    return this.groups.some((g) => g.name === group && g.versions.includes(version));
  }

  private rebuildGroups(): void {
    const map = new Map<string, Set<string>>();
    for (const r of this.byPath.values()) {
      let s = map.get(r.group);
      if (!s) map.set(r.group, (s = new Set()));
      s.add(r.version);
    }
    const order = (g: string) => {
      const i = this.groupOrder.indexOf(g);
      return i < 0 ? this.groupOrder.length : i;
    };
    this.groups = [...map.entries()]
      .sort((a, b) => order(a[0]) - order(b[0]) || a[0].localeCompare(b[0]))
      .map(([name, vs]) => ({ name, versions: [...vs].sort(compareKubeVersions) }));
  }
}

/** Kubernetes version priority: GA > beta > alpha, higher numbers first (v2 > v1 > v1beta2 > v1beta1 > v1alpha1 > other). */
export function compareKubeVersions(a: string, b: string): number {
  const parse = (v: string) => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (!m) return { kind: 0, major: 0, minor: 0 };
    return { kind: m[2] === undefined ? 3 : m[2] === 'beta' ? 2 : 1, major: +m[1]!, minor: m[3] ? +m[3] : 0 };
  };
  const pa = parse(a);
  const pb = parse(b);
  if (pa.kind !== pb.kind) return pb.kind - pa.kind;
  if (pa.major !== pb.major) return pb.major - pa.major;
  if (pa.minor !== pb.minor) return pb.minor - pa.minor;
  return a.localeCompare(b);
}
