// Latency summaries shared by the benchmark client and the report: percentiles over a sample
// of millisecond latencies, computed once the run is over so the hot loop only appends numbers.

export interface LatencySummary {
  ops: number;
  errors: number;
  seconds: number;
  opsPerSec: number;
  p50ms: number;
  p99ms: number;
  maxms: number;
}

/** Nearest-rank percentile of an ascending sample. */
export function percentile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i]!;
}

/** Summarises latencies (ms) of operations that ran for `seconds` of wall time. */
export function summarize(latenciesMs: ArrayLike<number>, seconds: number, errors = 0): LatencySummary {
  const sorted = Float64Array.from(latenciesMs).sort();
  const ops = sorted.length;
  return {
    ops,
    errors,
    seconds,
    opsPerSec: seconds > 0 ? ops / seconds : 0,
    p50ms: percentile(sorted, 0.5),
    p99ms: percentile(sorted, 0.99),
    maxms: ops ? sorted[ops - 1]! : 0,
  };
}

/** Growable Float64 sample buffer: no per-sample boxing in the hot loop. */
export class Samples {
  private buf = new Float64Array(1024);
  length = 0;

  push(x: number): void {
    if (this.length === this.buf.length) {
      const next = new Float64Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.length++] = x;
  }

  view(): Float64Array {
    return this.buf.subarray(0, this.length);
  }
}
