// Compacts the datastore's history every interval to the revision seen one interval earlier, as
// the upstream API server does (5 minutes), so watches can resume over short disconnects while
// the history does not grow without bound.
import type { Logger } from 'pino';
import type { Store } from '../store/types.js';

export async function runCompactor(store: Store, log: Logger, signal: AbortSignal, intervalMs = 5 * 60_000): Promise<void> {
  let previous = 0;
  while (!signal.aborted) {
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, intervalMs);
      signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
    });
    if (signal.aborted) return;
    try {
      if (previous > 0) await store.compact(previous);
      previous = await store.currentRevision();
    } catch (err) {
      log.warn({ err }, 'compaction failed');
    }
  }
}
