// PodInfo and NodeInfo: everything the plugins ask about a pod or a node, computed once when the
// object enters the scheduler (requests, host ports, compiled affinity terms) so that filtering
// thousands of nodes per pod allocates nothing.
import { selectorFromSpec, matchAll, type LabelPredicate, type Labels } from '../api/selectors/label-selector.js';
import type { Node, Pod, PodAffinityTerm, Taint } from './api-types.js';
import { accumulate, emptyResource, isZeroRequest, podRequests, resourceFromList, type Resource } from './resources.js';

export interface HostPort {
  ip: string;
  protocol: string;
  port: number;
}

/** A pod (anti-)affinity term with its selectors compiled; namespaces resolved at match time. */
export interface AffinityTerm {
  topologyKey: string;
  selector: LabelPredicate;
  namespaces: ReadonlySet<string>;
  /** Set when the term has a namespaceSelector ({} selects every namespace). */
  nsSelector: LabelPredicate | null;
  weight: number;
}

export type NamespaceLabels = (namespace: string) => Labels;

const EMPTY: never[] = [];

// Pods stamped from one template carry equal terms; interning them lets a cycle evaluate each
// distinct term once (see TermMatchMemo) instead of once per pod.
const internedTerms = new Map<string, AffinityTerm>();
const MAX_INTERNED = 10_000;

function compileTerm(t: PodAffinityTerm, ownNamespace: string, weight: number): AffinityTerm {
  const id = `${ownNamespace}\u0000${weight}\u0000${JSON.stringify(t)}`;
  const hit = internedTerms.get(id);
  if (hit) return hit;
  const nsSelector = t.namespaceSelector ? selectorFromSpec(t.namespaceSelector) : null;
  const namespaces = new Set(t.namespaces ?? []);
  if (namespaces.size === 0 && !t.namespaceSelector) namespaces.add(ownNamespace);
  const term = { topologyKey: t.topologyKey, selector: selectorFromSpec(t.labelSelector ?? null), namespaces, nsSelector, weight };
  if (internedTerms.size >= MAX_INTERNED) internedTerms.clear();
  internedTerms.set(id, term);
  return term;
}

/** Per-cycle memo of "does this (interned) term select the cycle's pod". */
export class TermMatchMemo {
  private readonly memo = new Map<AffinityTerm, boolean>();
  constructor(private readonly pod: PodInfo, private readonly nsLabels: NamespaceLabels) {}
  matches(term: AffinityTerm): boolean {
    let m = this.memo.get(term);
    if (m === undefined) this.memo.set(term, (m = termMatches(term, this.pod, this.nsLabels)));
    return m;
  }
}

/** Does an existing pod fall under term (namespace and label selector)? */
export function termMatches(term: AffinityTerm, pod: PodInfo, nsLabels: NamespaceLabels): boolean {
  if (!term.namespaces.has(pod.namespace)) {
    if (!term.nsSelector) return false;
    if (term.nsSelector !== matchAll && !term.nsSelector(nsLabels(pod.namespace))) return false;
  }
  return term.selector(pod.labels);
}

export class PodInfo {
  readonly key: string;
  readonly namespace: string;
  readonly labels: Labels;
  /** Namespace plus labels, equal for pods of one template: memo key for selector results. */
  readonly selectorKey: string;
  readonly priority: number;
  readonly requests: Resource;
  /** Requests with upstream's non-zero defaults, for spreading scores. */
  readonly nonZero: Resource;
  readonly zeroRequest: boolean;
  readonly hostPorts: HostPort[];
  readonly requiredAffinity: AffinityTerm[];
  readonly requiredAntiAffinity: AffinityTerm[];
  readonly preferredAffinity: AffinityTerm[];
  readonly preferredAntiAffinity: AffinityTerm[];

  constructor(readonly pod: Pod) {
    const md = pod.metadata;
    this.namespace = md.namespace ?? '';
    this.key = `${this.namespace}/${md.name}`;
    this.labels = md.labels;
    this.selectorKey = `${this.namespace}\u0000${md.labels ? JSON.stringify(md.labels) : ''}`;
    this.priority = pod.spec.priority ?? 0;
    this.requests = podRequests(pod);
    this.nonZero = podRequests(pod, true);
    this.zeroRequest = isZeroRequest(this.requests);
    this.hostPorts = collectHostPorts(pod);
    const pa = pod.spec.affinity?.podAffinity;
    const paa = pod.spec.affinity?.podAntiAffinity;
    const ns = this.namespace;
    this.requiredAffinity = pa?.requiredDuringSchedulingIgnoredDuringExecution?.map((t) => compileTerm(t, ns, 1)) ?? EMPTY;
    this.requiredAntiAffinity = paa?.requiredDuringSchedulingIgnoredDuringExecution?.map((t) => compileTerm(t, ns, 1)) ?? EMPTY;
    this.preferredAffinity = pa?.preferredDuringSchedulingIgnoredDuringExecution?.map((w) => compileTerm(w.podAffinityTerm, ns, w.weight)) ?? EMPTY;
    this.preferredAntiAffinity = paa?.preferredDuringSchedulingIgnoredDuringExecution?.map((w) => compileTerm(w.podAffinityTerm, ns, w.weight)) ?? EMPTY;
  }

  /** Terms that matter when another pod is scored against this one (all but required anti-affinity). */
  get hasScoringAffinity(): boolean {
    return this.requiredAffinity.length + this.preferredAffinity.length + this.preferredAntiAffinity.length > 0;
  }

  get hasAffinity(): boolean {
    return this.requiredAffinity.length + this.requiredAntiAffinity.length + this.preferredAffinity.length + this.preferredAntiAffinity.length > 0;
  }

  get terminating(): boolean {
    return this.pod.metadata.deletionTimestamp !== undefined;
  }
}

function collectHostPorts(pod: Pod): HostPort[] {
  let out: HostPort[] | undefined;
  const visit = (ports: { hostPort?: number; protocol?: string; hostIP?: string }[] | undefined) => {
    for (const p of ports ?? []) {
      if (!p.hostPort || p.hostPort <= 0) continue;
      (out ??= []).push({ ip: p.hostIP || '0.0.0.0', protocol: p.protocol || 'TCP', port: p.hostPort });
    }
  };
  for (const c of pod.spec.containers ?? []) visit(c.ports);
  for (const c of pod.spec.initContainers ?? []) if (c.restartPolicy === 'Always') visit(c.ports);
  return out ?? EMPTY;
}

/** Two host ports clash when protocol and port match and either binds every address. */
export function portsConflict(a: HostPort, b: HostPort): boolean {
  return a.port === b.port && a.protocol === b.protocol && (a.ip === b.ip || a.ip === '0.0.0.0' || b.ip === '0.0.0.0');
}

export interface ImageState {
  size: number;
  /** How many nodes hold the image (shared across NodeInfos by the cache). */
  numNodes: number;
}

/** docker.io/library/nginx and nginx:latest are the same image to ImageLocality. */
export function normalizedImageName(name: string): string {
  const lastSlash = name.lastIndexOf('/');
  if (name.includes('@') || name.lastIndexOf(':') > lastSlash) return name;
  return `${name}:latest`;
}

export class NodeInfo {
  node!: Node;
  labels: Labels;
  taints: Taint[] = EMPTY;
  unschedulable = false;
  allocatable: Resource = emptyResource();
  readonly requested: Resource = emptyResource();
  readonly nonZeroRequested: Resource = emptyResource();
  readonly pods: PodInfo[] = [];
  readonly podsWithAffinity: PodInfo[] = [];
  readonly podsWithRequiredAntiAffinity: PodInfo[] = [];
  readonly usedPorts: HostPort[] = [];
  imageStates: Map<string, ImageState> = new Map();
  private readonly index = new Map<string, number>();

  constructor(readonly name: string, node?: Node) {
    if (node) this.setNode(node);
  }

  setNode(node: Node): void {
    this.node = node;
    this.labels = node.metadata.labels;
    this.taints = node.spec?.taints ?? EMPTY;
    this.unschedulable = node.spec?.unschedulable === true;
    this.allocatable = resourceFromList(node.status?.allocatable ?? node.status?.capacity);
  }

  get hasNode(): boolean {
    return this.node !== undefined;
  }

  hasPod(key: string): boolean {
    return this.index.has(key);
  }

  addPod(pi: PodInfo): void {
    if (this.index.has(pi.key)) this.removePod(pi.key);
    this.index.set(pi.key, this.pods.length);
    this.pods.push(pi);
    accumulate(this.requested, pi.requests, 1);
    accumulate(this.nonZeroRequested, pi.nonZero, 1);
    if (pi.hasAffinity) this.podsWithAffinity.push(pi);
    if (pi.requiredAntiAffinity.length) this.podsWithRequiredAntiAffinity.push(pi);
    for (const hp of pi.hostPorts) this.usedPorts.push(hp);
  }

  removePod(key: string): PodInfo | undefined {
    const i = this.index.get(key);
    if (i === undefined) return undefined;
    const pi = this.pods[i]!;
    const last = this.pods.pop()!;
    if (last !== pi) {
      this.pods[i] = last;
      this.index.set(last.key, i);
    }
    this.index.delete(key);
    accumulate(this.requested, pi.requests, -1);
    accumulate(this.nonZeroRequested, pi.nonZero, -1);
    if (pi.hasAffinity) removeFrom(this.podsWithAffinity, pi);
    if (pi.requiredAntiAffinity.length) removeFrom(this.podsWithRequiredAntiAffinity, pi);
    for (const hp of pi.hostPorts) {
      const j = this.usedPorts.indexOf(hp);
      if (j >= 0) this.usedPorts.splice(j, 1);
    }
    return pi;
  }
}

function removeFrom(list: PodInfo[], pi: PodInfo): void {
  const i = list.indexOf(pi);
  if (i >= 0) list.splice(i, 1);
}
