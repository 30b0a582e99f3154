// What a relist of the runtime tells the PLEG, as pure functions: a fingerprint per pod UID
// (changes whenever one of its sandboxes or containers changes state), the UIDs whose
// fingerprint changed between two relists, and which pod and kind each runtime id belongs to
// (so an event naming only a container id can wake the right pod worker).
import { LABEL_POD_UID, type CriContainer, type PodSandbox } from '../pods/cri-port.js';

export interface RuntimeIdOwner {
  podUID: string;
  kind: 'sandbox' | 'container';
}

/** Pod UID → a string that changes whenever one of its sandboxes or containers changes state. */
export function fingerprints(sandboxes: PodSandbox[], containers: CriContainer[]): Map<string, string> {
  const parts = new Map<string, string[]>();
  const add = (uid: string | undefined, s: string): void => {
    if (!uid) return;
    let p = parts.get(uid);
    if (!p) parts.set(uid, (p = []));
    p.push(s);
  };
  for (const s of sandboxes) add(sandboxUID(s), `s:${s.id}:${s.state}`);
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

/** Runtime id (sandbox or container) → the pod it belongs to. */
export function ownersOf(sandboxes: PodSandbox[], containers: CriContainer[]): Map<string, RuntimeIdOwner> {
  const out = new Map<string, RuntimeIdOwner>();
  for (const s of sandboxes) {
    const podUID = sandboxUID(s);
    if (podUID) out.set(s.id, { podUID, kind: 'sandbox' });
  }
  for (const c of containers) {
    const podUID = c.labels?.[LABEL_POD_UID];
    if (podUID) out.set(c.id, { podUID, kind: 'container' });
  }
  return out;
}

function sandboxUID(s: PodSandbox): string | undefined {
  return s.labels?.[LABEL_POD_UID] ?? s.metadata?.uid;
}
