// Tables for custom resources, from a CRD version's additionalPrinterColumns, as the
// apiextensions server builds them: Name first, then the CRD's columns (Age when it has none).
import { NAME, col, columns } from './columns.js';
import { humanDuration } from './duration.js';
import { compileJSONPath, evaluateJSONPath, type CompiledPath } from './jsonpath.js';
import type { Obj, Printer, TableColumnDefinition } from './types.js';

/** apiextensions.k8s.io/v1 CustomResourceColumnDefinition. */
export interface CustomResourceColumnDefinition {
  name: string;
  type: string;
  format?: string;
  description?: string;
  priority?: number;
  jsonPath: string;
}

const DEFAULT_COLUMNS: readonly CustomResourceColumnDefinition[] = Object.freeze([
  { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp', description: 'Time since the object was created.' },
]);

// RFC 3339 as Go's time.Parse accepts it for metav1.Time query parameters.
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

function effective(additional: readonly CustomResourceColumnDefinition[] | undefined) {
  return additional && additional.length > 0 ? additional : DEFAULT_COLUMNS;
}

/** Column definitions for a CRD version's additionalPrinterColumns. */
export function crdColumns(additional?: readonly CustomResourceColumnDefinition[]): readonly TableColumnDefinition[] {
  const defs: TableColumnDefinition[] = [NAME];
  for (const c of effective(additional)) {
    defs.push(
      col(
        c.name,
        c.type,
        c.description || `Custom resource definition column (in JSONPath format): ${c.jsonPath}`,
        c.priority ?? 0,
        c.format ?? '',
      ),
    );
  }
  return columns(...defs);
}

/** Text of a value as kubectl's JSONPath printer writes it: strings raw, objects and lists as JSON. */
function printValue(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v !== null && typeof v === 'object') return sortedJSON(v);
  return String(v);
}

function sortedJSON(v: unknown): string {
  if (Array.isArray(v)) return '[' + v.map((x) => (x === undefined ? 'null' : sortedJSON(x))).join(',') + ']';
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o).sort();
    return '{' + keys.map((k) => JSON.stringify(k) + ':' + sortedJSON(o[k])).join(',') + '}';
  }
  return JSON.stringify(v) ?? 'null';
}

/** A cell of a non-string column, or null when the value does not fit the type. */
function typedCell(type: string, v: unknown, nowMs: number): unknown {
  switch (type) {
    case 'integer':
      return typeof v === 'number' ? Math.trunc(v) : null;
    case 'number':
      return typeof v === 'number' ? v : null;
    case 'boolean':
      return typeof v === 'boolean' ? v : null;
    case 'date': {
      if (typeof v !== 'string') return null;
      if (v === '' || v === 'null') return '<unknown>';
      if (!RFC3339.test(v)) return '<invalid>';
      const t = Date.parse(v);
      return Number.isNaN(t) ? '<invalid>' : humanDuration(nowMs - t);
    }
  }
  return null;
}

/** A printer for one CRD version. Throws JSONPathError when a column path cannot be parsed. */
export function crdPrinter(additional?: readonly CustomResourceColumnDefinition[]): Printer {
  const defs = effective(additional);
  const paths: CompiledPath[] = defs.map((c) => compileJSONPath(c.jsonPath));
  const types = defs.map((c) => c.type);
  return {
    columns: crdColumns(additional),
    cells(o: Obj, nowMs: number) {
      const cells: unknown[] = new Array(paths.length + 1);
      cells[0] = o?.metadata?.name ?? '';
      for (let i = 0; i < paths.length; i++) {
        const found = evaluateJSONPath(paths[i]!, o);
        // Only the first result counts, as upstream assumes simple paths.
        const v = found.length > 0 ? found[0] : undefined;
        if (v === undefined || v === null) cells[i + 1] = null;
        else cells[i + 1] = types[i] === 'string' ? printValue(v) : typedCell(types[i]!, v, nowMs);
      }
      return cells;
    },
  };
}
