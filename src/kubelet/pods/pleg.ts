// The pod lifecycle event generator: relists sandboxes and containers every second (upstream's
// generic PLEG) and tells the pod workers which pods changed; the diff is a pure function over
// per-pod fingerprints. A runtime with CRI container events (containerd 1.7+) also streams them
// for quicker reaction; containerd 1.6 answers UNIMPLEMENTED and the relist alone remains.
import type { Logger } from 'pino';
import type { RuntimeService } from '../cri/types.js';
import { LABEL_POD_UID, type CriContainer, type PodSandbox, type RuntimePort } from './cri-port.js';

const GRPC_UNIMPLEMENTED = 12;
const EVENTS_RETRY_MS = 5_000;

export const RELIST_PERIOD_MS = 1_000;

/** Pod UID → a string that changes whenever one of its sandboxes or containers changes state. */
export function fingerprints(sandboxes: PodSandbox[], containers: CriContainer[]): Map<string, string> {
  const parts = new Map<string, string[]>();
  const add = (uid: string | undefined, s: string): void => {
    if (!uid) return;
    let p = parts.get(uid);
    if (!p) parts.set(uid, (p = []));
    p.push(s);
  };
  for (const s of sandboxes) add(s.labels?.[LABEL_POD_UID] ?? s.metadata?.uid, `s:${s.id}:${s.state}`);
  for (const c of containers) add(c.labels?.[LABEL_POD_UID], `c:${c.id}:${c.state}`);
  const out = new Map<string, string>();
  for (const [uid, p] of parts) out.set(uid, p.sort().join(','));
  return out;
}

/** UIDs whose fingerprint differs between two relists (appeared, changed or vanished). */
export function changedPods(prev: Map<string, string>, next: Map<string, string>): string[] {
  const out: string[] = [];
  for (const [uid, f] of next) if (prev.get(uid) !== f) out.push(uid);
  for (const uid of prev.keys()) if (!next.has(uid)) out.push(uid);
  return out;
}

export class GenericPLEG {
  private last = new Map<string, string>();

  constructor(private readonly runtime: RuntimePort, private readonly onChange: (uid: string) => void, private readonly logger: Logger, private readonly periodMs = RELIST_PERIOD_MS) {}

  /** The pod UIDs the runtime knows, as of the last relist. */
  knownPods(): IterableIterator<string> {
    return this.last.keys();
  }

  async relist(): Promise<void> {
    const [s, c] = await Promise.all([this.runtime.listPodSandbox({}), this.runtime.listContainers({})]);
    const next = fingerprints(s.items ?? [], c.containers ?? []);
    const changed = changedPods(this.last, next);
    this.last = next;
    for (const uid of changed) this.onChange(uid);
  }

  async run(signal: AbortSignal): Promise<void> {
    void this.watchEvents(signal);
    while (!signal.aborted) {
      try {
        await this.relist();
      } catch (err) {
        this.logger.warn({ err }, 'PLEG relist failed');
      }
      await sleep(this.periodMs, signal);
    }
  }

  /** Streams container events while the runtime offers them (they only hasten a sync). */
  private async watchEvents(signal: AbortSignal): Promise<void> {
    const rt = this.runtime as RuntimePort & Partial<Pick<RuntimeService, 'getContainerEvents'>>;
    if (typeof rt.getContainerEvents !== 'function') return;
    while (!signal.aborted) {
      try {
        for await (const ev of rt.getContainerEvents(signal)) {
          const uid = ev.pod_sandbox_status?.metadata?.uid ?? ev.containers_statuses?.[0]?.labels?.[LABEL_POD_UID];
          if (uid) this.onChange(uid);
        }
      } catch (err) {
        if ((err as { code?: unknown }).code === GRPC_UNIMPLEMENTED) {
          this.logger.info('the runtime has no CRI container events; relisting every second');
          return;
        }
        if (!signal.aborted) this.logger.warn({ err }, 'container event stream failed');
      }
      await sleep(EVENTS_RETRY_MS, signal);
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
