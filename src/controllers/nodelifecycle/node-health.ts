// Node health from heartbeats (pure): a node is alive while its Lease renewTime or its Ready
// condition's lastHeartbeatTime keeps changing. Like upstream, the controller times silence with
// its own clock from the moment it saw the last change, so node clocks do not matter.
import type { KubeObject } from '../../api/object.js';

export interface NodeCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  lastHeartbeatTime?: string;
  lastTransitionTime?: string;
}

export interface NodeHealth {
  /** Local time (ms) of the last observed heartbeat change. */
  probeTimestamp: number;
  leaseRenewTime?: string;
  readyHeartbeat?: string;
}

export const READY = 'Ready';
/** Conditions the kubelet posts that go Unknown with it (upstream's list). */
export const KUBELET_CONDITIONS = ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'];

export function conditionsOf(node: KubeObject): NodeCondition[] {
  return ((node as any).status?.conditions ?? []) as NodeCondition[];
}

export function readyCondition(node: KubeObject): NodeCondition | undefined {
  return conditionsOf(node).find((c) => c.type === READY);
}

/** Folds the latest node and lease into the saved health; a changed heartbeat resets the timer. */
export function observeHealth(prev: NodeHealth | undefined, node: KubeObject, lease: KubeObject | undefined, nowMs: number): NodeHealth {
  const leaseRenewTime = (lease as any)?.spec?.renewTime as string | undefined;
  const readyHeartbeat = readyCondition(node)?.lastHeartbeatTime;
  if (!prev) return { probeTimestamp: nowMs, leaseRenewTime, readyHeartbeat };
  if (prev.leaseRenewTime !== leaseRenewTime || prev.readyHeartbeat !== readyHeartbeat) return { probeTimestamp: nowMs, leaseRenewTime, readyHeartbeat };
  return prev;
}

export interface GracePeriods {
  /** Silence after which a node that has posted status is Unknown (upstream 40 s). */
  monitorGraceMs: number;
  /** Silence allowed to a node that never posted status (upstream 60 s). */
  startupGraceMs: number;
}

/**
 * The node's conditions once its silence exceeds the grace period: every kubelet condition
 * becomes Unknown (NodeStatusUnknown, or NodeStatusNeverUpdated when it was never posted).
 * Undefined when nothing changes.
 */
export function unknownConditions(node: KubeObject, health: NodeHealth, nowMs: number, grace: GracePeriods): NodeCondition[] | undefined {
  const conditions = conditionsOf(node);
  const ready = conditions.find((c) => c.type === READY);
  const limit = ready ? grace.monitorGraceMs : grace.startupGraceMs;
  if (nowMs - health.probeTimestamp <= limit) return undefined;
  const now = new Date(nowMs).toISOString().replace(/\.\d+Z$/, 'Z');
  let changed = false;
  const out = conditions.map((c) => ({ ...c }));
  for (const type of KUBELET_CONDITIONS) {
    const c = out.find((x) => x.type === type);
    if (!c) {
      out.push({
        type,
        status: 'Unknown',
        reason: 'NodeStatusNeverUpdated',
        message: 'Kubelet never posted node status.',
        lastHeartbeatTime: node.metadata.creationTimestamp,
        lastTransitionTime: now,
      });
      changed = true;
    } else if (c.status !== 'Unknown') {
      c.status = 'Unknown';
      c.reason = 'NodeStatusUnknown';
      c.message = 'Kubelet stopped posting node status.';
      c.lastTransitionTime = now;
      changed = true;
    }
  }
  return changed ? out : undefined;
}
