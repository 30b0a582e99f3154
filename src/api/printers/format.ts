// Small formatters shared by the printers: label maps, label selectors, container lists,
// access modes, "first N + M more..." lists. Each mirrors the upstream helper of the same job.
import type { Obj } from './types.js';

const NONE = '<none>';

/** `k1=v1,k2=v2` with keys sorted, or `<none>` (labels.FormatLabels). */
export function formatLabels(labels: Record<string, string> | undefined | null): string {
  if (!labels) return NONE;
  const keys = Object.keys(labels);
  if (keys.length === 0) return NONE;
  keys.sort();
  let out = '';
  for (let i = 0; i < keys.length; i++) {
    if (i > 0) out += ',';
    out += keys[i] + '=' + labels[keys[i]!];
  }
  return out;
}

/**
 * The selector string upstream's labels.Selector.String() gives a LabelSelector: requirements
 * sorted by key, `k=v`, `k in (a,b)`, `k notin (a)`, `k`, `!k`. Returns null for an invalid one.
 */
export function labelSelectorString(sel: Obj): string | null {
  if (!sel || typeof sel !== 'object') return '';
  const reqs: Array<[string, string]> = [];
  const ml = sel.matchLabels;
  if (ml && typeof ml === 'object') {
    for (const k of Object.keys(ml)) reqs.push([k, `${k}=${ml[k]}`]);
  }
  const exprs = sel.matchExpressions;
  if (Array.isArray(exprs)) {
    for (const e of exprs) {
      const key = String(e?.key ?? '');
      const values: string[] = Array.isArray(e?.values) ? e.values.map(String) : [];
      switch (e?.operator) {
        case 'In':
        case 'NotIn': {
          if (values.length === 0) return null;
          const list = [...new Set(values)].sort().join(',');
          reqs.push([key, `${key} ${e.operator === 'In' ? 'in' : 'notin'} (${list})`]);
          break;
        }
        case 'Exists':
          reqs.push([key, key]);
          break;
        case 'DoesNotExist':
          reqs.push([key, '!' + key]);
          break;
        default:
          return null;
      }
    }
  }
  if (reqs.length === 0) return '';
  reqs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  let out = reqs[0]![1];
  for (let i = 1; i < reqs.length; i++) out += ',' + reqs[i]![1];
  return out;
}

/** metav1.FormatLabelSelector: the selector string, `<none>` when empty, `<error>` when invalid. */
export function formatLabelSelector(sel: Obj): string {
  const s = labelSelectorString(sel);
  if (s === null) return '<error>';
  return s === '' ? NONE : s;
}

/** Container names and images, each joined with `,` (layoutContainerCells). */
export function containerCells(containers: Obj): [string, string] {
  if (!Array.isArray(containers) || containers.length === 0) return ['', ''];
  let names = '';
  let images = '';
  for (let i = 0; i < containers.length; i++) {
    if (i > 0) {
      names += ',';
      images += ',';
    }
    names += containers[i]?.name ?? '';
    images += containers[i]?.image ?? '';
  }
  return [names, images];
}

/** `RWO,ROX,RWX,RWOP` in that fixed order, each at most once. */
export function accessModesString(modes: Obj): string {
  if (!Array.isArray(modes) || modes.length === 0) return '';
  const out: string[] = [];
  if (modes.includes('ReadWriteOnce')) out.push('RWO');
  if (modes.includes('ReadOnlyMany')) out.push('ROX');
  if (modes.includes('ReadWriteMany')) out.push('RWX');
  if (modes.includes('ReadWriteOncePod')) out.push('RWOP');
  return out.join(',');
}

/** Join the first `max` items; beyond that append ` + N more...`; `<unset>` when empty. */
export function listWithMore(items: string[], total: number, max: number): string {
  const joined = items.join(',');
  if (total > max) return `${joined} + ${total - max} more...`;
  return joined === '' ? '<unset>' : joined;
}

/** Integer cell: upstream prints int64 values; JSON numbers may be absent. */
export function int(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? Math.trunc(v) : 0;
}

/** String cell for an optional string field. */
export function str(v: unknown): string {
  return typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v);
}

/** Length of an array or of an object's keys. */
export function count(v: unknown): number {
  if (Array.isArray(v)) return v.length;
  if (v && typeof v === 'object') return Object.keys(v).length;
  return 0;
}

/** A quantity or IntOrString as upstream prints it (`.String()`). */
export function quantityString(v: unknown): string {
  if (v === undefined || v === null) return '0';
  return String(v);
}
