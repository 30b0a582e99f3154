// The seam between the HTTP handlers and the type machinery (decoding, schemas, patches, field
// ownership, tables). Handlers only see this interface, so each piece can be tested on its own.
import type { KubeObject } from '../api/object.js';
import type { ResourceInfo } from '../api/registry/types.js';
import type { SchemaNode, SchemaResolver } from '../api/schema/types.js';
import type { StatusCause } from '../api/errors.js';

export interface TableOptions {
  includeObject: 'None' | 'Metadata' | 'Object';
  resourceVersion: string;
  continueToken?: string;
  remainingItemCount?: number;
  omitColumns?: boolean;
  now: Date;
}

export interface ApiMachinery {
  resolver: SchemaResolver;
  /** JSON, YAML or Kubernetes protobuf request body → plain object. `duplicates` lists duplicated fields (JSON). */
  decodeBody(body: Buffer, mediaType: string): { value: unknown; duplicates: string[] };
  schemaFor(info: ResourceInfo): SchemaNode | undefined;
  checkFields(info: ResourceInfo, obj: KubeObject): { unknown: string[]; typeError?: string };
  validateMeta(info: ResourceInfo, obj: KubeObject, isCreate: boolean): StatusCause[];
  table(info: ResourceInfo, objects: KubeObject[], opts: TableOptions): object;
  applyJsonPatch(doc: unknown, ops: unknown): unknown;
  applyMergePatch(doc: unknown, patch: unknown): unknown;
  applyStrategicMergePatch(doc: unknown, patch: unknown, schema: SchemaNode): unknown;
  /** Server-side apply; throws 409 Conflict naming the fields other managers own unless force. */
  serverSideApply(live: KubeObject | null, applied: KubeObject, opts: { manager: string; force: boolean; apiVersion: string; schema: SchemaNode | undefined; subresource?: string; now: Date }): KubeObject;
  /** Records obj's managedFields after a non-apply write by opts.manager (mutates obj). */
  trackUpdate(old: KubeObject | null, obj: KubeObject, opts: { manager: string; apiVersion: string; schema: SchemaNode | undefined; subresource?: string; now: Date }): void;
}
