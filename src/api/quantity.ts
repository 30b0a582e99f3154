// Exact resource quantities (quota accounting, canonical request bodies): parsed into integer nano-units (bigint) so sums
// never drift, and formatted in upstream's canonical form (the largest suffix that keeps the
// mantissa an integer; binary suffixes only for whole values of 1024 or more).

export type QuantityFormat = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

export interface Quantity {
  /** Value in units of 1e-9. */
  nano: bigint;
  format: QuantityFormat;
}

const NANO = 1_000_000_000n;
const DECIMAL: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY: Record<string, number> = { Ki: 1, Mi: 2, Gi: 3, Ti: 4, Pi: 5, Ei: 6 };
const QUANTITY_RE = /^([+-]?)([0-9]*)(?:\.([0-9]*))?([eE][-+]?[0-9]+|[numkMGTPE]|[KMGTPE]i)?$/;

export const zero = (format: QuantityFormat = 'DecimalSI'): Quantity => ({ nano: 0n, format });

function ceilDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return q * b === a || a < 0n ? q : q + 1n;
}

/** Parses a quantity string (or number); undefined when it is not one. */
export function parseQuantity(input: unknown): Quantity | undefined {
  const s = typeof input === 'number' ? String(input) : input;
  if (typeof s !== 'string') return undefined;
  const m = QUANTITY_RE.exec(s.trim());
  if (!m || (!m[2] && !m[3])) return undefined;
  const sign = m[1] === '-' ? -1n : 1n;
  const frac = m[3] ?? '';
  const digits = BigInt((m[2] || '0') + frac);
  const scale = 10n ** BigInt(frac.length);
  const suffix = m[4] ?? '';
  let nano: bigint;
  let format: QuantityFormat;
  if (suffix in BINARY) {
    nano = ceilDiv(digits * 1024n ** BigInt(BINARY[suffix]!) * NANO, scale);
    format = 'BinarySI';
  } else {
    const exp = suffix in DECIMAL ? DECIMAL[suffix]! : Number(suffix.slice(1));
    format = suffix in DECIMAL ? 'DecimalSI' : 'DecimalExponent';
    const e = exp + 9;
    nano = e >= 0 ? ceilDiv(digits * 10n ** BigInt(e), scale) : ceilDiv(digits, scale * 10n ** BigInt(-e));
  }
  return { nano: sign * nano, format };
}

export function add(a: Quantity, b: Quantity): Quantity {
  // As resource.Quantity.Add: the receiver's format wins unless it is still zero.
  return { nano: a.nano + b.nano, format: a.nano === 0n ? b.format : a.format };
}

export function max(a: Quantity, b: Quantity): Quantity {
  return b.nano > a.nano ? b : a;
}

const DECIMAL_BY_EXP = new Map(Object.entries(DECIMAL).map(([k, v]) => [v, k]));
const BINARY_SUFFIXES = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];

/** Canonical string form, as the API server would serialize the quantity. */
export function formatQuantity(q: Quantity): string {
  if (q.nano === 0n) return '0';
  const neg = q.nano < 0n;
  const abs = neg ? -q.nano : q.nano;
  const sign = neg ? '-' : '';
  if (q.format === 'BinarySI' && abs % NANO === 0n && abs / NANO >= 1024n) {
    let v = abs / NANO;
    let k = 0;
    while (k < 6 && v % 1024n === 0n) {
      v /= 1024n;
      k++;
    }
    return `${sign}${v}${BINARY_SUFFIXES[k]}`;
  }
  for (let exp = 18; exp >= -9; exp -= 3) {
    const unit = 10n ** BigInt(exp + 9);
    if (abs % unit !== 0n) continue;
    const mantissa = abs / unit;
    if (q.format === 'DecimalExponent') return `${sign}${mantissa}${exp === 0 ? '' : `e${exp}`}`;
    return `${sign}${mantissa}${DECIMAL_BY_EXP.get(exp)}`;
  }
  return `${sign}${abs}n`;
}

export function canonical(input: unknown): string | undefined {
  const q = parseQuantity(input);
  return q ? formatQuantity(q) : undefined;
}

export function fromCount(n: number): Quantity {
  return { nano: BigInt(n) * NANO, format: 'DecimalSI' };
}

/** The message upstream validation attaches to a string that is not a quantity. */
export const QUANTITY_SYNTAX_MSG = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

/** Approximate value as a float (for comparisons such as requests <= limits), or undefined when not a quantity. */
export function quantityValue(input: unknown): number | undefined {
  if (typeof input === 'number') return Number.isFinite(input) ? input : undefined;
  const q = parseQuantity(input);
  return q ? Number(q.nano) / 1e9 : undefined;
}

const PLAIN_INT = /^[0-9]{1,15}$/;

/**
 * Value times 10^scale10, rounded up as resource.Quantity's Value/MilliValue do, or undefined when
 * not a quantity. Plain integers skip the bigint path: schedulers call this per pod.
 */
export function scaledValue(input: string | number | undefined, scale10: number): number | undefined {
  if (input === undefined) return undefined;
  if (typeof input === 'number') return Number.isFinite(input) ? Math.ceil(input * 10 ** scale10) : undefined;
  if (PLAIN_INT.test(input)) return Number(input) * 10 ** scale10;
  const q = parseQuantity(input);
  if (!q) return undefined;
  const e = scale10 - 9;
  return Number(e >= 0 ? q.nano * 10n ** BigInt(e) : ceilDiv(q.nano, 10n ** BigInt(-e)));
}

/** CPU in millicores ("250m" → 250, "1.5" → 1500); 0 when absent or invalid. */
export const milliValue = (q: string | number | undefined): number => scaledValue(q, 3) ?? 0;

/** Bytes or counts ("1Gi" → 1073741824, "1e3" → 1000); 0 when absent or invalid. */
export const value = (q: string | number | undefined): number => scaledValue(q, 0) ?? 0;
