// Whether a node should run a DaemonSet's pod (pure), as upstream's NodeShouldRunDaemonPod:
// the pod template's nodeName, nodeSelector and required node affinity must match the node,
// and the node's NoSchedule/NoExecute taints must be tolerated — with the tolerations every
// daemon pod gets automatically. An untolerated NoSchedule taint stops new pods but lets a
// running one continue; an untolerated NoExecute taint evicts it.
import type { KubeObject } from '../../api/object.js';

export interface Toleration {
  key?: string;
  operator?: 'Exists' | 'Equal';
  value?: string;
  effect?: string;
  tolerationSeconds?: number;
}

export interface Taint {
  key: string;
  value?: string;
  effect: string;
}

export interface NodeSelectorRequirement {
  key: string;
  operator: string;
  values?: string[];
}

export interface NodeSelectorTerm {
  matchExpressions?: NodeSelectorRequirement[];
  matchFields?: NodeSelectorRequirement[];
}

export interface DaemonPodSpec {
  nodeName?: string;
  nodeSelector?: Record<string, string>;
  hostNetwork?: boolean;
  tolerations?: Toleration[];
  affinity?: { nodeAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms?: NodeSelectorTerm[] }; [k: string]: unknown }; [k: string]: unknown };
  [k: string]: unknown;
}

export type Node = KubeObject & { spec?: { taints?: Taint[]; unschedulable?: boolean } };

const NOT_READY = 'node.kubernetes.io/not-ready';
const UNREACHABLE = 'node.kubernetes.io/unreachable';

/** The tolerations upstream adds to every daemon pod (AddOrUpdateDaemonPodTolerations). */
export function daemonPodTolerations(spec: DaemonPodSpec): Toleration[] {
  const auto: Toleration[] = [
    { key: NOT_READY, operator: 'Exists', effect: 'NoExecute' },
    { key: UNREACHABLE, operator: 'Exists', effect: 'NoExecute' },
    { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
  ];
  if (spec.hostNetwork) auto.push({ key: 'node.kubernetes.io/network-unavailable', operator: 'Exists', effect: 'NoSchedule' });
  const out = [...(spec.tolerations ?? [])];
  for (const t of auto) {
    const i = out.findIndex((o) => o.key === t.key && o.effect === t.effect);
    if (i >= 0) out[i] = t;
    else out.push(t);
  }
  return out;
}

export function tolerates(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if ((t.operator ?? 'Equal') === 'Exists') return !t.key || t.key === taint.key;
  return (t.key ?? '') === taint.key && (t.value ?? '') === (taint.value ?? '');
}

function requirementMatches(r: NodeSelectorRequirement, value: string | undefined): boolean {
  const values = r.values ?? [];
  switch (r.operator) {
    case 'In':
      return value !== undefined && values.includes(value);
    case 'NotIn':
      return value === undefined || !values.includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
    case 'Gt':
    case 'Lt': {
      if (value === undefined || values.length !== 1) return false;
      const a = Number.parseInt(value, 10);
      const b = Number.parseInt(values[0]!, 10);
      if (Number.isNaN(a) || Number.isNaN(b)) return false;
      return r.operator === 'Gt' ? a > b : a < b;
    }
    default:
      return false;
  }
}

/** A term with no requirements matches nothing; terms are ORed, requirements ANDed. */
export function nodeSelectorTermsMatch(terms: NodeSelectorTerm[], node: Node): boolean {
  const labels = node.metadata.labels ?? {};
  for (const term of terms) {
    const exprs = term.matchExpressions ?? [];
    const fields = term.matchFields ?? [];
    if (!exprs.length && !fields.length) continue;
    if (!exprs.every((r) => requirementMatches(r, labels[r.key]))) continue;
    if (!fields.every((r) => r.key === 'metadata.name' && requirementMatches(r, node.metadata.name))) continue;
    return true;
  }
  return false;
}

export interface NodeDecision {
  shouldRun: boolean;
  shouldContinueRunning: boolean;
}

export function nodeShouldRunDaemonPod(node: Node, spec: DaemonPodSpec): NodeDecision {
  const no = { shouldRun: false, shouldContinueRunning: false };
  if (spec.nodeName && spec.nodeName !== node.metadata.name) return no;
  const labels = node.metadata.labels ?? {};
  for (const [k, v] of Object.entries(spec.nodeSelector ?? {})) if (labels[k] !== v) return no;
  const required = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (required && !nodeSelectorTermsMatch(required.nodeSelectorTerms ?? [], node)) return no;
  const tolerations = daemonPodTolerations(spec);
  let shouldRun = true;
  for (const taint of node.spec?.taints ?? []) {
    if (taint.effect !== 'NoSchedule' && taint.effect !== 'NoExecute') continue;
    if (tolerations.some((t) => tolerates(t, taint))) continue;
    if (taint.effect === 'NoExecute') return no;
    shouldRun = false;
  }
  return { shouldRun, shouldContinueRunning: true };
}

/** Pins a pod to a node the upstream way: a required matchFields term on metadata.name. */
export function withNodeAffinity(spec: DaemonPodSpec, nodeName: string): DaemonPodSpec {
  const affinity = { ...(spec.affinity ?? {}) };
  affinity.nodeAffinity = {
    ...(affinity.nodeAffinity ?? {}),
    requiredDuringSchedulingIgnoredDuringExecution: {
      nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [nodeName] }] }],
    },
  };
  return { ...spec, affinity, tolerations: daemonPodTolerations(spec) };
}

/** The node a daemon pod is for: where it is bound, else its metadata.name affinity target. */
export function targetNodeName(pod: KubeObject & { spec?: DaemonPodSpec }): string | undefined {
  if (pod.spec?.nodeName) return pod.spec.nodeName;
  for (const term of pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? []) {
    for (const f of term.matchFields ?? []) {
      if (f.key === 'metadata.name' && f.operator === 'In' && f.values?.length === 1) return f.values[0];
    }
  }
  return undefined;
}
