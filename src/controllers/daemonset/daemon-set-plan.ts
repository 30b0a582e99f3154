// What one DaemonSet sync should do (pure): which nodes need a pod, which pods must go (on
// ineligible nodes, failed, duplicates, or old ones a RollingUpdate may replace now within
// maxUnavailable/maxSurge), and the status counts. Modelled on upstream's manage and
// rollingUpdate of pkg/controller/daemon.
import type { KubeObject } from '../../api/object.js';
import { CONTROLLER_REVISION_HASH_LABEL } from '../history/controller-revision.js';
import { nodeShouldRunDaemonPod, targetNodeName, type DaemonPodSpec, type Node } from './node-eligibility.js';

export type Pod = KubeObject & { spec?: DaemonPodSpec; status?: { phase?: string; conditions?: { type: string; status: string; lastTransitionTime?: string }[] } };

export interface DaemonSet extends KubeObject {
  spec: {
    selector?: { matchLabels?: Record<string, string> };
    template: { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> }; spec?: DaemonPodSpec };
    updateStrategy?: { type?: 'RollingUpdate' | 'OnDelete'; rollingUpdate?: { maxUnavailable?: number | string; maxSurge?: number | string } };
    minReadySeconds?: number;
    revisionHistoryLimit?: number;
  };
  status?: Record<string, unknown>;
}

export const POD_TEMPLATE_GENERATION_LABEL = 'pod-template-generation';

function readyCondition(p: Pod): { status: string; lastTransitionTime?: string } | undefined {
  for (const c of p.status?.conditions ?? []) if (c.type === 'Ready') return c;
  return undefined;
}

export const isPodReady = (p: Pod): boolean => readyCondition(p)?.status === 'True';

export function isPodAvailable(p: Pod, minReadySeconds: number, now: Date): boolean {
  if (!isPodReady(p)) return false;
  if (minReadySeconds <= 0) return true;
  const since = readyCondition(p)?.lastTransitionTime;
  return !!since && Date.parse(since) + minReadySeconds * 1000 <= now.getTime();
}

export function isPodUpdated(p: Pod, hash: string, generation: number | undefined): boolean {
  const labels = p.metadata.labels ?? {};
  if (labels[CONTROLLER_REVISION_HASH_LABEL] !== undefined) return labels[CONTROLLER_REVISION_HASH_LABEL] === hash;
  return generation !== undefined && labels[POD_TEMPLATE_GENERATION_LABEL] === String(generation);
}

/** int-or-percent scaled against total, rounding up (upstream GetScaledValueFromIntOrPercent(..., true)). */
export function scaledValue(v: number | string | undefined, total: number, fallback: number): number {
  if (v === undefined || v === null) return fallback;
  if (typeof v === 'number') return v;
  if (v.endsWith('%')) return Math.ceil((Number.parseInt(v, 10) * total) / 100);
  const n = Number.parseInt(v, 10);
  return Number.isNaN(n) ? fallback : n;
}

const byCreation = (a: Pod, b: Pod): number => (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? '') || (a.metadata.name ?? '').localeCompare(b.metadata.name ?? '');

/** Groups non-terminating pods by target node; pods with no target node are listed apart. */
export function podsByNode(pods: Pod[]): Map<string, Pod[]> {
  const out = new Map<string, Pod[]>();
  for (const p of pods) {
    if (p.metadata.deletionTimestamp) continue;
    const node = targetNodeName(p) ?? '';
    const list = out.get(node);
    if (list) list.push(p);
    else out.set(node, [p]);
  }
  for (const list of out.values()) list.sort(byCreation);
  return out;
}

export interface DaemonSetPlan {
  /** Nodes to create a pod for. */
  create: string[];
  /** Pods to delete. */
  delete: string[];
  /** Failed pods among the deletes (for the FailedDaemonPod warning). */
  failed: string[];
}

export interface DaemonSetStatusCounts {
  desiredNumberScheduled: number;
  currentNumberScheduled: number;
  numberMisscheduled: number;
  numberReady: number;
  numberAvailable: number;
  numberUnavailable: number;
  updatedNumberScheduled: number;
}

export function planDaemonSet(ds: DaemonSet, nodes: Node[], pods: Pod[], hash: string, now: Date): DaemonSetPlan {
  const plan: DaemonSetPlan = { create: [], delete: [], failed: [] };
  const template = ds.spec.template.spec ?? {};
  const byNode = podsByNode(pods);
  const minReady = ds.spec.minReadySeconds ?? 0;
  const generation = ds.metadata.generation;
  const rolling = (ds.spec.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
  const desiredNodes: Node[] = [];
  const known = new Set<string>();

  for (const node of nodes) {
    const name = node.metadata.name!;
    known.add(name);
    const { shouldRun, shouldContinueRunning } = nodeShouldRunDaemonPod(node, template);
    const here = byNode.get(name) ?? [];
    if (shouldRun) desiredNodes.push(node);
    if (!shouldContinueRunning || (!shouldRun && here.length === 0)) {
      for (const p of here) plan.delete.push(p.metadata.name!);
      continue;
    }
    if (!shouldRun) continue; // NoSchedule taint added later: the running pod may stay
    const alive: Pod[] = [];
    for (const p of here) {
      if (p.status?.phase === 'Failed') {
        plan.delete.push(p.metadata.name!);
        plan.failed.push(p.metadata.name!);
      } else alive.push(p);
    }
    if (!alive.length) {
      plan.create.push(name);
      continue;
    }
    // Keep the oldest pod (and, during a surge, the oldest updated one too); delete the rest.
    const keepOld = alive[0]!;
    const keepNew = alive.find((p) => p !== keepOld && isPodUpdated(p, hash, generation) && !isPodUpdated(keepOld, hash, generation));
    for (const p of alive) if (p !== keepOld && p !== keepNew) plan.delete.push(p.metadata.name!);
  }
  // Pods whose node is gone are removed (upstream deletes unscheduled pods without a node).
  for (const [nodeName, list] of byNode) if (!known.has(nodeName)) for (const p of list) plan.delete.push(p.metadata.name!);

  if (rolling && !plan.create.length) rollingUpdate(ds, desiredNodes, byNode, hash, now, minReady, plan);
  return plan;
}

/** Adds the replacements a RollingUpdate may do now (upstream's rollingUpdate). */
function rollingUpdate(ds: DaemonSet, desiredNodes: Node[], byNode: Map<string, Pod[]>, hash: string, now: Date, minReady: number, plan: DaemonSetPlan): void {
  const generation = ds.metadata.generation;
  const ru = ds.spec.updateStrategy?.rollingUpdate ?? {};
  const total = desiredNodes.length;
  const maxSurge = scaledValue(ru.maxSurge, total, 0);
  let maxUnavailable = scaledValue(ru.maxUnavailable, total, 1);
  if (maxSurge === 0 && maxUnavailable === 0) maxUnavailable = 1;
  const deleting = new Set(plan.delete);
  const slots = desiredNodes.map((node) => {
    const pods = (byNode.get(node.metadata.name!) ?? []).filter((p) => !deleting.has(p.metadata.name!));
    return {
      node: node.metadata.name!,
      newPod: pods.find((p) => isPodUpdated(p, hash, generation)),
      oldPod: pods.find((p) => !isPodUpdated(p, hash, generation)),
    };
  });
  if (maxSurge === 0) {
    let unavailable = 0;
    for (const s of slots) {
      const pod = s.newPod ?? s.oldPod;
      if (!pod || !isPodAvailable(pod, minReady, now)) unavailable++;
    }
    const candidates: string[] = [];
    for (const s of slots) {
      if (!s.oldPod || s.newPod) continue;
      if (!isPodAvailable(s.oldPod, minReady, now)) plan.delete.push(s.oldPod.metadata.name!); // already down: replace freely
      else candidates.push(s.oldPod.metadata.name!);
    }
    const budget = Math.max(0, maxUnavailable - unavailable);
    plan.delete.push(...candidates.slice(0, budget));
    return;
  }
  let surging = slots.filter((s) => s.oldPod && s.newPod).length;
  for (const s of slots) {
    if (!s.oldPod) continue;
    if (!s.newPod) {
      if (!isPodAvailable(s.oldPod, minReady, now)) plan.create.push(s.node);
      else if (surging < maxSurge) {
        plan.create.push(s.node);
        surging++;
      }
      continue;
    }
    if (isPodAvailable(s.newPod, minReady, now)) plan.delete.push(s.oldPod.metadata.name!);
  }
}

export function computeDaemonSetStatus(ds: DaemonSet, nodes: Node[], pods: Pod[], hash: string, now: Date): DaemonSetStatusCounts {
  const c: DaemonSetStatusCounts = { desiredNumberScheduled: 0, currentNumberScheduled: 0, numberMisscheduled: 0, numberReady: 0, numberAvailable: 0, numberUnavailable: 0, updatedNumberScheduled: 0 };
  const template = ds.spec.template.spec ?? {};
  const byNode = podsByNode(pods);
  const minReady = ds.spec.minReadySeconds ?? 0;
  for (const node of nodes) {
    const { shouldRun } = nodeShouldRunDaemonPod(node, template);
    const here = byNode.get(node.metadata.name!) ?? [];
    if (!shouldRun) {
      if (here.length) c.numberMisscheduled++;
      continue;
    }
    c.desiredNumberScheduled++;
    if (!here.length) continue;
    c.currentNumberScheduled++;
    const pod = here[0]!;
    if (isPodReady(pod)) {
      c.numberReady++;
      if (isPodAvailable(pod, minReady, now)) c.numberAvailable++;
    }
    if (isPodUpdated(pod, hash, ds.metadata.generation)) c.updatedNumberScheduled++;
  }
  c.numberUnavailable = c.desiredNumberScheduled - c.numberAvailable;
  return c;
}
