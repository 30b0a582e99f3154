// The meta.k8s.io/v1 Table wire shapes, and the per-kind printer record the table builder uses.
import type { KubeObject, ObjectMeta } from '../object.js';

export type ColumnType = 'string' | 'integer' | 'number' | 'boolean' | 'date';

export interface TableColumnDefinition {
  name: string;
  type: ColumnType | string;
  format: string;
  description: string;
  /** 0 = always shown; >0 = shown by kubectl only with `-o wide`. */
  priority: number;
}

export interface TableRowCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

export interface PartialObjectMetadata {
  kind: 'PartialObjectMetadata';
  apiVersion: 'meta.k8s.io/v1';
  metadata: ObjectMeta;
}

export interface TableRow {
  cells: unknown[];
  conditions?: readonly TableRowCondition[];
  object?: PartialObjectMetadata | KubeObject;
}

export interface Table {
  kind: 'Table';
  apiVersion: 'meta.k8s.io/v1';
  metadata: { resourceVersion?: string; continue?: string; remainingItemCount?: number };
  columnDefinitions: readonly TableColumnDefinition[];
  rows: TableRow[];
}

/** Loose view of an API object as the printers read it: any field may be missing. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Obj = any;

/**
 * How one kind prints. `cells` always yields the wide row (the API server prints wide, as
 * upstream does, and kubectl hides priority>0 columns itself).
 */
export interface Printer {
  readonly columns: readonly TableColumnDefinition[];
  cells(obj: Obj, nowMs: number): unknown[];
  /** Row conditions (only pods set them upstream). */
  conditions?(obj: Obj): readonly TableRowCondition[] | undefined;
}
