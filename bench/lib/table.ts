// Plain-text tables for benchmark output: right-aligned numbers, left-aligned text, one header
// rule, so the figures can be pasted into docs/benchmarks.md as they are.

export type Cell = string | number | undefined;

export function formatTable(header: string[], rows: Cell[][]): string {
  const text = rows.map((r) => header.map((_, i) => fmt(r[i])));
  const width = header.map((h, i) => Math.max(h.length, ...text.map((r) => r[i]!.length)));
  const numeric = header.map((_, i) => rows.every((r) => r[i] === undefined || typeof r[i] === 'number' || /^[\d.,x%<>=≤≥ -]+$/.test(String(r[i]))));
  const line = (cells: string[]) => cells.map((c, i) => (numeric[i] ? c.padStart(width[i]!) : c.padEnd(width[i]!))).join('  ').trimEnd();
  return [line(header), width.map((w) => '-'.repeat(w)).join('  '), ...text.map(line)].join('\n');
}

function fmt(v: Cell): string {
  if (v === undefined) return '';
  if (typeof v === 'string') return v;
  if (!Number.isFinite(v) || Number.isInteger(v)) return String(v);
  const a = Math.abs(v);
  if (a >= 100) return Math.round(v).toString();
  if (a >= 10) return v.toFixed(1);
  return v.toFixed(2);
}

/** "0.42x" */
export function ratio(x: number, base: number): string {
  return base > 0 ? `${(x / base).toFixed(2)}x` : '-';
}

/** Verdict for an aim: "ok" or "MISS". */
export function verdict(pass: boolean): string {
  return pass ? 'ok' : 'MISS';
}

export const MiB = 1024 * 1024;
