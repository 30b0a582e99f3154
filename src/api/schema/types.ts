// The description of a type: an OpenAPI v3 schema node (the subset Kubernetes uses) plus the
// protobuf field number. Built-in types and CRDs share this shape, so validation, defaulting,
// OpenAPI publishing, protobuf decoding, strategic merge patch and server-side apply all read one
// description per type.

export interface SchemaNode {
  /** Reference to a named schema in the same registry, e.g. "io.k8s.api.core.v1.PodSpec". */
  $ref?: string;
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  format?: string; // int32, int64, double, byte, date-time, int-or-string, ...
  description?: string;
  properties?: Record<string, SchemaNode>;
  additionalProperties?: SchemaNode | boolean;
  items?: SchemaNode;
  required?: string[];
  enum?: unknown[];
  default?: unknown;
  nullable?: boolean;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minItems?: number;
  maxItems?: number;
  allOf?: SchemaNode[];
  oneOf?: SchemaNode[];
  anyOf?: SchemaNode[];
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
  'x-kubernetes-patch-merge-key'?: string;
  'x-kubernetes-patch-strategy'?: string; // "merge", "retainKeys", "merge,retainKeys", "replace"
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-map-type'?: 'atomic' | 'granular';
  'x-kubernetes-group-version-kind'?: { group: string; version: string; kind: string }[];
  /** Protobuf field number of this property in its parent message (k8s generated.proto). */
  'x-k8ts-proto'?: number;
  /** Protobuf wire type hint where JSON type is not enough (e.g. "bytes", "map"). */
  'x-k8ts-proto-type'?: string;
}

/** A set of named schemas, e.g. { "io.k8s.api.apps.v1.Deployment": {...} }. */
export type SchemaMap = Record<string, SchemaNode>;

/** Looks up named schemas and follows $ref, so patch/apply/validation code needs no registry import. */
export interface SchemaResolver {
  /** Follows $ref (and a single-element allOf wrapper) until a concrete node; undefined stays undefined. */
  resolve(node: SchemaNode | undefined): SchemaNode | undefined;
}
