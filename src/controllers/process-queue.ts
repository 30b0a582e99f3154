// The worker loop every controller shares (client-go's processNextWorkItem): take one key, reconcile
// it level-triggered from the informer caches, and decide what happens to the key next. A controller
// owns its reconcile function and its queue; this loop owns only the key's retry bookkeeping.
import { isConflict } from '../client/types.js';
import type { WorkQueue } from '../client/workqueue.js';

/**
 * Reconciles keys until the queue shuts down. Success forgets the key's back-off and, when reconcile
 * returns a positive number of ms, looks at the key again after that long; failure retries the key
 * with exponential back-off. Conflicts are the normal race of optimistic concurrency: retried, not
 * reported.
 */
export async function processQueue(
  queue: WorkQueue,
  reconcile: (key: string) => Promise<number | void>,
  reportFailure: (err: unknown, key: string) => void,
): Promise<void> {
  for (;;) {
    const key = await queue.get();
    if (key === undefined) return;
    try {
      const after = await reconcile(key);
      queue.forget(key);
      if (typeof after === 'number' && after > 0) queue.addAfter(key, after);
    } catch (err) {
      if (!isConflict(err)) reportFailure(err, key);
      queue.addRateLimited(key);
    } finally {
      queue.done(key);
    }
  }
}
