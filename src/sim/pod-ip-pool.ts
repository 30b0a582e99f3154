// Pod addresses of one node: a /24 handed out by pod uid, reused after release. An address a pod
// already reports (the sim restarted) is reserved for it rather than handed out again.

const FIRST = 2;
const LAST = 254;

export class PodIPPool {
  private readonly byUid = new Map<string, number>();
  private readonly used = new Uint8Array(256);
  private next = FIRST;

  constructor(readonly prefix: string) {}

  /** The pod's address, allocating one on first call; undefined when the range is exhausted. */
  allocate(uid: string): string | undefined {
    const held = this.byUid.get(uid);
    if (held !== undefined) return this.prefix + held;
    for (let tries = 0; tries <= LAST - FIRST; tries++) {
      const host = this.next;
      this.next = host >= LAST ? FIRST : host + 1;
      if (!this.used[host]) {
        this.used[host] = 1;
        this.byUid.set(uid, host);
        return this.prefix + host;
      }
    }
    return undefined;
  }

  /** Claims ip for uid if it belongs to this range and is free (or already theirs). */
  reserve(uid: string, ip: string): boolean {
    if (!ip.startsWith(this.prefix)) return false;
    const host = Number(ip.slice(this.prefix.length));
    if (!Number.isInteger(host) || host < FIRST || host > LAST) return false;
    const held = this.byUid.get(uid);
    if (held === host) return true;
    if (this.used[host] || held !== undefined) return false;
    this.used[host] = 1;
    this.byUid.set(uid, host);
    return true;
  }

  release(uid: string): void {
    const host = this.byUid.get(uid);
    if (host === undefined) return;
    this.byUid.delete(uid);
    this.used[host] = 0;
  }

  has(uid: string): boolean {
    return this.byUid.has(uid);
  }

  get size(): number {
    return this.byUid.size;
  }
}
