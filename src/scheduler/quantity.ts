// Exact resource quantity arithmetic for scheduling: CPU in millicores and everything else in
// base units, rounded up as resource.Quantity's MilliValue/Value do. Fast paths cover the common
// spellings; anything else goes through BigInt so "0.1", "1e3", "1.5Gi" stay exact.

const DECIMAL_SUFFIX: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY_SUFFIX: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const QUANTITY_RE = /^([+-]?)([0-9]*)(?:\.([0-9]*))?(?:([eE][+-]?[0-9]+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]))?$/;
const PLAIN_INT = /^[0-9]{1,15}$/;

/**
 * Value of q times 10^scale10, rounded up (towards +infinity), or undefined when q is no
 * quantity. scale10 = 3 gives millis.
 */
export function scaledQuantity(q: string | number | undefined, scale10: number): number | undefined {
  if (q === undefined) return undefined;
  if (typeof q === 'number') return Number.isFinite(q) ? Math.ceil(q * 10 ** scale10) : undefined;
  if (PLAIN_INT.test(q)) return Number(q) * 10 ** scale10;
  const m = QUANTITY_RE.exec(q);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) return undefined;
  const sign = m[1] === '-' ? -1n : 1n;
  const frac = m[3] ?? '';
  let digits = BigInt((m[2] || '0') + frac) * sign;
  let exp10 = scale10 - frac.length;
  let exp2 = 0;
  if (m[4]) exp10 += Number(m[4].slice(1));
  else if (m[5]) {
    if (m[5] in BINARY_SUFFIX) exp2 = BINARY_SUFFIX[m[5]]!;
    else exp10 += DECIMAL_SUFFIX[m[5]]!;
  }
  digits <<= BigInt(exp2);
  if (exp10 >= 0) return Number(digits * 10n ** BigInt(exp10));
  const den = 10n ** BigInt(-exp10);
  const quo = digits / den;
  return Number(digits % den > 0n ? quo + 1n : quo);
}

/** CPU in millicores ("250m" → 250, "1.5" → 1500). */
export const milliValue = (q: string | number | undefined): number => scaledQuantity(q, 3) ?? 0;

/** Bytes or counts ("1Gi" → 1073741824, "1e3" → 1000, "1k" → 1000). */
export const value = (q: string | number | undefined): number => scaledQuantity(q, 0) ?? 0;
