// SchedulerCache: NodeInfos kept up to date incrementally from node and assigned-pod events, plus
// pods the scheduler has assumed onto a node while their binding is in flight, so the next pod
// already sees those resources taken. It is also the Snapshot a (synchronous) cycle reads.
// It never talks to the API server.
import type { LabelPredicate, Labels } from '../api/selectors/label-selector.js';
import type { Node, Pod } from './api-types.js';
import type { Snapshot } from './framework.js';
import { NodeInfo, normalizedImageName, PodInfo, type ImageState } from './node-info.js';
import { TopologyIndex } from './topology-index.js';

interface PodState {
  info: PodInfo;
  nodeName: string;
  assumed: boolean;
}

export interface CacheLookups {
  namespaceLabels(namespace: string): Labels;
  ownerSelectors(pod: PodInfo): LabelPredicate[];
}

const noLookups: CacheLookups = { namespaceLabels: () => undefined, ownerSelectors: () => [] };

export class SchedulerCache implements Snapshot {
  private readonly nodes = new Map<string, NodeInfo>();
  private readonly pods = new Map<string, PodState>();
  private readonly images = new Map<string, ImageState>();
  private list: NodeInfo[] = [];
  private listDirty = false;
  readonly havePodsWithAffinityList: NodeInfo[] = [];
  readonly havePodsWithRequiredAntiAffinityList: NodeInfo[] = [];
  readonly topology = new TopologyIndex();

  constructor(private lookups: CacheLookups = noLookups) {}

  setLookups(l: CacheLookups): void {
    this.lookups = l;
  }

  namespaceLabels = (ns: string): Labels => this.lookups.namespaceLabels(ns);

  ownerSelectors(pod: PodInfo): LabelPredicate[] {
    return this.lookups.ownerSelectors(pod);
  }

  get nodeInfoList(): readonly NodeInfo[] {
    if (this.listDirty) {
      this.list = [...this.nodes.values()].filter((n) => n.hasNode);
      this.listDirty = false;
    }
    return this.list;
  }

  get(name: string): NodeInfo | undefined {
    const n = this.nodes.get(name);
    return n?.hasNode ? n : undefined;
  }

  get nodeCount(): number {
    return this.nodeInfoList.length;
  }

  get podCount(): number {
    return this.pods.size;
  }

  // ---- nodes

  addOrUpdateNode(node: Node): void {
    const name = node.metadata.name!;
    let ni = this.nodes.get(name);
    if (!ni) {
      ni = new NodeInfo(name);
      this.nodes.set(name, ni);
    }
    if (!ni.hasNode) this.listDirty = true;
    this.removeImages(ni);
    const relabel = ni.pods.length > 0 && !sameLabels(ni.labels, node.metadata.labels);
    if (relabel) for (const p of ni.pods) this.topology.remove(p, ni);
    ni.setNode(node);
    if (relabel) for (const p of ni.pods) this.topology.add(p, ni);
    this.addImages(ni, node);
  }

  removeNode(name: string): void {
    const ni = this.nodes.get(name);
    if (!ni) return;
    this.removeImages(ni);
    this.listDirty = true;
    if (ni.pods.length === 0) {
      this.nodes.delete(name);
      dropFrom(this.havePodsWithAffinityList, ni);
      dropFrom(this.havePodsWithRequiredAntiAffinityList, ni);
    } else {
      // Pods still reference it; keep accounting until they go, out of the node list.
      (ni as { node: Node | undefined }).node = undefined;
    }
  }

  private addImages(ni: NodeInfo, node: Node): void {
    const own = new Map<string, ImageState>();
    for (const img of node.status?.images ?? []) {
      for (const raw of img.names ?? []) {
        const name = normalizedImageName(raw);
        if (own.has(name)) continue;
        let st = this.images.get(name);
        if (!st) this.images.set(name, (st = { size: img.sizeBytes ?? 0, numNodes: 0 }));
        st.numNodes++;
        own.set(name, st);
      }
    }
    ni.imageStates = own;
  }

  private removeImages(ni: NodeInfo): void {
    for (const [name, st] of ni.imageStates) {
      if (--st.numNodes <= 0) this.images.delete(name);
    }
    ni.imageStates = new Map();
  }

  // ---- pods

  private nodeFor(name: string): NodeInfo {
    let ni = this.nodes.get(name);
    if (!ni) {
      ni = new NodeInfo(name);
      this.nodes.set(name, ni);
    }
    return ni;
  }

  private place(info: PodInfo, nodeName: string): void {
    const ni = this.nodeFor(nodeName);
    const hadAff = ni.podsWithAffinity.length > 0;
    const hadAnti = ni.podsWithRequiredAntiAffinity.length > 0;
    ni.addPod(info);
    this.topology.add(info, ni);
    if (!hadAff && ni.podsWithAffinity.length > 0) this.havePodsWithAffinityList.push(ni);
    if (!hadAnti && ni.podsWithRequiredAntiAffinity.length > 0) this.havePodsWithRequiredAntiAffinityList.push(ni);
  }

  private unplace(key: string, nodeName: string): void {
    const ni = this.nodes.get(nodeName);
    if (!ni) return;
    const removed = ni.removePod(key);
    if (removed) this.topology.remove(removed, ni);
    if (ni.podsWithAffinity.length === 0) dropFrom(this.havePodsWithAffinityList, ni);
    if (ni.podsWithRequiredAntiAffinity.length === 0) dropFrom(this.havePodsWithRequiredAntiAffinityList, ni);
    if (!ni.hasNode && ni.pods.length === 0) this.nodes.delete(nodeName);
  }

  /** Counts pod (already carrying spec.nodeName = nodeName) on the node before its binding lands. */
  assumePod(info: PodInfo, nodeName: string): void {
    const prev = this.pods.get(info.key);
    if (prev) this.unplace(info.key, prev.nodeName);
    this.pods.set(info.key, { info, nodeName, assumed: true });
    this.place(info, nodeName);
  }

  /** The binding failed: give the resources back. */
  forgetPod(key: string): void {
    const st = this.pods.get(key);
    if (!st?.assumed) return;
    this.pods.delete(key);
    this.unplace(key, st.nodeName);
  }

  isAssumed(key: string): boolean {
    return this.pods.get(key)?.assumed === true;
  }

  /** An assigned, non-terminal pod as the informer reports it (add or update). */
  addOrUpdatePod(pod: Pod): void {
    const nodeName = pod.spec.nodeName!;
    const info = new PodInfo(pod);
    const prev = this.pods.get(info.key);
    if (prev) this.unplace(info.key, prev.nodeName);
    this.pods.set(info.key, { info, nodeName, assumed: false });
    this.place(info, nodeName);
  }

  removePod(key: string): void {
    const st = this.pods.get(key);
    if (!st) return;
    this.pods.delete(key);
    this.unplace(key, st.nodeName);
  }
}

function sameLabels(a: Labels, b: Labels): boolean {
  if (a === b) return true;
  const ka = a ? Object.keys(a) : [];
  const kb = b ? Object.keys(b) : [];
  if (ka.length !== kb.length) return false;
  for (const k of ka) if (a![k] !== b?.[k]) return false;
  return true;
}

function dropFrom(list: NodeInfo[], ni: NodeInfo): void {
  const i = list.indexOf(ni);
  if (i >= 0) list.splice(i, 1);
}
