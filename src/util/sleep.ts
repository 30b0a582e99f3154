// Waiting that a component's stop signal cuts short: run loops sleep between rounds and must
// notice an abort at once, without an AbortError to catch (unlike timers/promises).

/** Resolves after ms, or as soon as signal aborts (at once if it already has). */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, Math.max(0, ms));
    signal.addEventListener('abort', done, { once: true });
  });
}
