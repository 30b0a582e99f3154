// Upstream's FitError message: "0/N nodes are available: <count> <reason>, ... ." with the
// per-reason histogram sorted as strings, then the PostFilter (preemption) message.
import type { Diagnosis } from './framework.js';

export function fitErrorMessage(numAllNodes: number, d: Diagnosis): string {
  let msg = `0/${numAllNodes} nodes are available:`;
  if (d.preFilterMsg) {
    msg += ` ${d.preFilterMsg}.`;
  } else {
    const histogram = new Map<string, number>();
    for (const s of d.nodeToStatus.values()) for (const r of s.reasons) histogram.set(r, (histogram.get(r) ?? 0) + 1);
    const parts: string[] = [];
    for (const [reason, n] of histogram) parts.push(`${n} ${reason}`);
    parts.sort();
    if (parts.length) msg += ` ${parts.join(', ')}.`;
  }
  if (d.postFilterMsg) msg += ` ${d.postFilterMsg.replace(/\.$/, '')}.`;
  return msg;
}
