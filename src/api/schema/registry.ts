// The schema registry: one named description per type, built-in (generated from upstream's facts by
// scripts/gen-schemas.ts) or added at run time for CRDs. It owns lookup by name and by
// group/version/kind, $ref resolution, and a version counter that changes whenever the set of
// schemas changes (OpenAPI hashes and compiled checkers key on it). It never validates, defaults or
// serves anything itself, and built-in nodes are shared between registries, so nobody may mutate a
// node it got from here.
import builtinData from './data/builtin-schemas.json' with { type: 'json' };
import type { SchemaMap, SchemaNode, SchemaResolver } from './types.js';
import type { GroupVersionKind } from '../registry/types.js';

export const OBJECT_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';
export const LIST_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta';

const BUILTIN: SchemaMap = (builtinData as unknown as { schemas: SchemaMap }).schemas;

function gvkKey(group: string, version: string, kind: string): string {
  return `${group}/${version}/${kind}`;
}

/** Builds the GVK index of the built-in schemas once; registries copy it. */
let builtinGVKIndex: Map<string, string> | undefined;
function builtinGVKs(): Map<string, string> {
  if (!builtinGVKIndex) {
    builtinGVKIndex = new Map();
    for (const [name, node] of Object.entries(BUILTIN)) {
      for (const g of node['x-kubernetes-group-version-kind'] ?? []) {
        const key = gvkKey(g.group, g.version, g.kind);
        // Shared meta types (DeleteOptions, WatchEvent) list many GVKs; a group's own type wins.
        if (!builtinGVKIndex.has(key)) builtinGVKIndex.set(key, name);
      }
    }
  }
  return builtinGVKIndex;
}

/**
 * Upstream's name for a CRD's schema: the group reversed, then version and kind,
 * e.g. stable.example.com/v1 CronTab → "com.example.stable.v1.CronTab".
 */
export function customSchemaName(group: string, version: string, kind: string): string {
  return `${group.split('.').reverse().join('.')}.${version}.${kind}`;
}

interface CustomEntry {
  gvks: string[];
  /** Names added alongside (the list schema). */
  companions: string[];
}

export interface AddCustomOptions {
  /** Also registers "<name>List"-style list schema under this kind, e.g. "CronTabList". */
  listKind?: string;
}

export class SchemaRegistry implements SchemaResolver {
  private readonly custom = new Map<string, SchemaNode>();
  private readonly customEntries = new Map<string, CustomEntry>();
  private readonly gvkIndex: Map<string, string>;
  private _version = 1;

  private constructor() {
    this.gvkIndex = new Map(builtinGVKs());
  }

  /** A registry holding every built-in schema; each call returns an independent registry. */
  static builtin(): SchemaRegistry {
    return new SchemaRegistry();
  }

  /** Changes whenever a schema is added or removed. */
  get version(): number {
    return this._version;
  }

  get(name: string): SchemaNode | undefined {
    return this.custom.get(name) ?? BUILTIN[name];
  }

  has(name: string): boolean {
    return this.custom.has(name) || Object.hasOwn(BUILTIN, name);
  }

  isCustom(name: string): boolean {
    return this.custom.has(name);
  }

  /** All schema names, built-in first. */
  *names(): IterableIterator<string> {
    for (const name of Object.keys(BUILTIN)) if (!this.custom.has(name)) yield name;
    yield* this.custom.keys();
  }

  resolve(node: SchemaNode | undefined): SchemaNode | undefined {
    let current = node;
    // Bounded so that a reference cycle of pure $refs cannot hang a request.
    for (let hops = 0; current && hops < 32; hops++) {
      if (current.$ref) {
        current = this.get(current.$ref);
      } else if (current.allOf && current.allOf.length === 1 && !current.properties && !current.type) {
        current = current.allOf[0];
      } else {
        return current;
      }
    }
    return current;
  }

  nameForGVK(group: string, version: string, kind: string): string | undefined {
    return this.gvkIndex.get(gvkKey(group, version, kind));
  }

  /**
   * Registers a CRD version's schema. The node is the CRD's openAPIV3Schema (undefined when the CRD
   * has none, which keeps every field); it is copied, given apiVersion/kind properties, a metadata
   * property that refers to ObjectMeta, and the GVK tag kubectl explain looks for.
   */
  addCustom(name: string, node: SchemaNode | undefined, gvk: GroupVersionKind, opts: AddCustomOptions = {}): void {
    this.removeEntries(name);
    const root = toCustomRoot(node, gvk);
    const entry: CustomEntry = { gvks: [gvkKey(gvk.group, gvk.version, gvk.kind)], companions: [] };
    this.custom.set(name, root);
    this.gvkIndex.set(entry.gvks[0], name);
    if (opts.listKind) {
      const listName = name.slice(0, name.length - gvk.kind.length) + opts.listKind;
      const listGVK = { group: gvk.group, version: gvk.version, kind: opts.listKind };
      this.custom.set(listName, listSchema(name, listGVK));
      const key = gvkKey(listGVK.group, listGVK.version, listGVK.kind);
      this.gvkIndex.set(key, listName);
      entry.gvks.push(key);
      entry.companions.push(listName);
    }
    this.customEntries.set(name, entry);
    this._version++;
  }

  /** Removes a schema added by addCustom (and its list schema). Built-in schemas stay. */
  remove(name: string): void {
    if (this.removeEntries(name)) this._version++;
  }

  private removeEntries(name: string): boolean {
    const entry = this.customEntries.get(name);
    if (!entry) return false;
    this.customEntries.delete(name);
    this.custom.delete(name);
    for (const c of entry.companions) this.custom.delete(c);
    const builtin = builtinGVKs();
    for (const key of entry.gvks) {
      const fallback = builtin.get(key);
      if (fallback) this.gvkIndex.set(key, fallback);
      else this.gvkIndex.delete(key);
    }
    return true;
  }
}

function toCustomRoot(node: SchemaNode | undefined, gvk: GroupVersionKind): SchemaNode {
  const base: SchemaNode = node ? structuredClone(node) : { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
  base.type ??= 'object';
  base.properties = {
    ...base.properties,
    apiVersion: { type: 'string' },
    kind: { type: 'string' },
    metadata: { $ref: OBJECT_META },
  };
  base['x-kubernetes-group-version-kind'] = [{ group: gvk.group, version: gvk.version, kind: gvk.kind }];
  return base;
}

function listSchema(itemName: string, gvk: GroupVersionKind): SchemaNode {
  return {
    type: 'object',
    required: ['items'],
    properties: {
      apiVersion: { type: 'string' },
      items: { type: 'array', items: { $ref: itemName } },
      kind: { type: 'string' },
      metadata: { $ref: LIST_META },
    },
    'x-kubernetes-group-version-kind': [{ group: gvk.group, version: gvk.version, kind: gvk.kind }],
  };
}
