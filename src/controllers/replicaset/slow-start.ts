// Upstream slowStartBatch: call fn count times in batches of 1, 2, 4, ... running each batch in
// parallel, and stop at the first batch with a failure, so a quota or admission error costs
// one call instead of hundreds.

/** Resolves with the number of successful calls and the first error, if any. */
export async function slowStartBatch(count: number, initialBatchSize: number, fn: () => Promise<void>): Promise<{ successes: number; error?: Error }> {
  let remaining = count;
  let successes = 0;
  for (let batch = Math.min(remaining, initialBatchSize); batch > 0; batch = Math.min(2 * batch, remaining)) {
    const results = await Promise.allSettled(Array.from({ length: batch }, () => fn()));
    let error: Error | undefined;
    for (const r of results) {
      if (r.status === 'fulfilled') successes++;
      else error ??= r.reason instanceof Error ? r.reason : new Error(String(r.reason));
    }
    if (error) return { successes, error };
    remaining -= batch;
  }
  return { successes };
}
