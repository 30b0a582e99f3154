// Resource quantities ("500m", "1Gi", "2e3"): syntax check and an approximate numeric value,
// enough for validation comparisons (requests <= limits, storage > 0).

const QUANTITY_RE = /^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$/;
export const QUANTITY_SYNTAX_MSG = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

const SUFFIX: Record<string, number> = {
  '': 1,
  n: 1e-9, u: 1e-6, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};

/** Numeric value of a quantity (number or string), or undefined when it is not one. */
export function parseQuantity(q: unknown): number | undefined {
  if (typeof q === 'number') return Number.isFinite(q) ? q : undefined;
  if (typeof q !== 'string') return undefined;
  const m = QUANTITY_RE.exec(q);
  if (!m) return undefined;
  const base = Number(m[1]);
  if (!Number.isFinite(base) || m[1] === '.' ) return undefined;
  const suffix = m[2]!;
  if (suffix in SUFFIX) return base * SUFFIX[suffix]!;
  const exp = /^[eE]([-+]?[0-9]+)$/.exec(suffix);
  if (exp) return base * 10 ** Number(exp[1]);
  return undefined;
}
