// What the API server knows about each resource it serves. Built-in resources are listed in
// builtin.ts; CRDs produce the same records at run time.
import type { StatusCause } from '../errors.js';
import type { KubeObject } from '../object.js';

export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

export interface SubresourceInfo {
  /** "status", "scale", "binding", "eviction", "log", "exec", "attach", "portforward", "proxy", "token", "finalize", "ephemeralcontainers" */
  name: string;
  /** Kind the subresource answers with, if it differs from the parent (Scale is autoscaling/v1). */
  responseKind: GroupVersionKind;
  verbs: string[];
}

export interface ResourceInfo {
  group: string; // "" for core
  version: string;
  kind: string;
  listKind: string;
  plural: string;
  singular: string;
  shortNames: string[];
  categories: string[];
  namespaced: boolean;
  verbs: string[]; // create, delete, deletecollection, get, list, patch, update, watch
  subresources: SubresourceInfo[];
  /** Name of the root schema in the SchemaRegistry, e.g. "io.k8s.api.apps.v1.Deployment". */
  schemaName: string;
  /** Create-only types (reviews) that are never stored. */
  virtual?: boolean;
}

/** Per-request facts a strategy may use. */
export interface StrategyContext {
  now: Date;
  /** Subresource being written ("" for the main resource, "status", "scale"). */
  subresource: string;
}

/**
 * Type-specific rules, as upstream's registry strategies: defaulting, validation, what a write
 * may change. All functions are pure and mutate only the object they are given.
 */
export interface ResourceStrategy {
  /** Upstream SetDefaults_* for this type (and nested types, e.g. a Deployment's pod template). */
  default?(obj: KubeObject): void;
  /** Extra create-time preparation beyond the generic one (e.g. Namespace status.phase Active). */
  prepareForCreate?(obj: KubeObject, ctx: StrategyContext): void;
  /** Extra update-time preparation (e.g. keep immutable data). */
  prepareForUpdate?(obj: KubeObject, old: KubeObject, ctx: StrategyContext): void;
  /** Semantic validation of a new object; field paths like "spec.replicas". */
  validate?(obj: KubeObject): StatusCause[];
  /** Validation of an update, including immutability; runs in addition to validate(). */
  validateUpdate?(obj: KubeObject, old: KubeObject): StatusCause[];
  /** True when the type has a status subresource, so spec and status are written separately. */
  hasStatus?: boolean;
  /** Status given on create is kept (Nodes register with their status, as the kubelet does). */
  keepStatusOnCreate?: boolean;
  /** Generation counts spec changes: paths compared to decide a bump (default ["spec"]). */
  generationPaths?: string[];
  /** Cluster-scoped or namespaced name rule: "dns1123Subdomain" (default), "dns1123Label", "path" (any name without / or %). */
  nameRule?: 'dns1123Subdomain' | 'dns1123Label' | 'path' | 'rbac';
}
