// Node IPAM (upstream's "nodeipam" controller with its range allocator): gives every Node without
// one a spec.podCIDR (and podCIDRs) from --cluster-cidr, a /24 each by default. Pod ranges in use
// are whatever the Nodes in the informer hold plus allocations not yet observed, so the state is
// rebuilt from the API after a restart and a deleted Node frees its range. It writes only
// spec.podCIDR(s) of Nodes that have none, never changes a range once set (the field is immutable).
import type { KubeObject } from '../../api/object.js';
import { R } from '../../client/resources.js';
import type { InformerStore } from '../../client/informer-types.js';
import { WorkQueue } from '../../client/workqueue.js';
import type { Controller, ControllerDeps, ControllerDescriptor } from '../types.js';
import { processQueue } from '../process-queue.js';
import { CidrSet } from './cidr-set.js';

export const DEFAULT_CLUSTER_CIDR = '10.42.0.0/16';

export interface NodeIpamOptions {
  clusterCIDR: string;
  /** upstream --node-cidr-mask-size (default 24) */
  nodeMaskSize?: number;
}

interface NodeSpec {
  podCIDR?: string;
  podCIDRs?: string[];
}

const specOf = (n: KubeObject) => (n.spec ?? {}) as NodeSpec;

/** The ranges Nodes hold (pure). */
export function usedPodCIDRs(nodes: Iterable<KubeObject>): Set<string> {
  const used = new Set<string>();
  for (const n of nodes) {
    const s = specOf(n);
    if (s.podCIDR) used.add(s.podCIDR);
    for (const c of s.podCIDRs ?? []) used.add(c);
  }
  return used;
}

/** The range to give a Node, or undefined when it has one already (pure). */
export function podCIDRFor(node: KubeObject, set: CidrSet, used: ReadonlySet<string>): string | undefined {
  if (specOf(node).podCIDR) return undefined;
  const cidr = set.firstFree(used);
  if (!cidr) throw new Error(`no pod CIDR left in ${set.subnet(0)}..${set.subnet(set.size - 1)} for node ${node.metadata.name}`);
  return cidr;
}

export class NodeIpamController implements Controller {
  private readonly queue = new WorkQueue(5, 30_000);
  private readonly set: CidrSet;
  /** allocations written but maybe not yet seen in the informer */
  private readonly pending = new Map<string, string>();

  constructor(private readonly deps: ControllerDeps, o: NodeIpamOptions) {
    this.set = new CidrSet(o.clusterCIDR, o.nodeMaskSize ?? 24);
  }

  async run(signal: AbortSignal): Promise<void> {
    const nodes = this.deps.informers.informerFor<KubeObject>(R.nodes);
    const enqueue = (n: KubeObject) => {
      if (!specOf(n).podCIDR) this.queue.add(n.metadata.name!);
      else this.pending.delete(n.metadata.name!);
    };
    nodes.addEventHandler({ onAdd: enqueue, onUpdate: (_o, n) => enqueue(n), onDelete: (n) => this.pending.delete(n.metadata.name!) });
    signal.addEventListener('abort', () => this.queue.shutdown(), { once: true });
    await this.deps.informers.waitForSync(signal);
    await processQueue(this.queue, (key) => this.sync(key, nodes.store), (err, key) => this.deps.logger.warn({ err, node: key }, 'allocating a pod CIDR failed'));
  }

  private async sync(name: string, store: InformerStore<KubeObject>): Promise<void> {
    const node = store.get(name);
    if (!node || specOf(node).podCIDR) return;
    const used = usedPodCIDRs(store.list());
    for (const [n, c] of this.pending) if (n !== name) used.add(c);
    const cidr = this.pending.get(name) ?? podCIDRFor(node, this.set, used);
    if (!cidr) return;
    this.pending.set(name, cidr);
    // resourceVersion makes the patch conditional: a range is only set on the Node as we saw it.
    await this.deps.client.patch(R.nodes, '', name, 'merge', { metadata: { resourceVersion: node.metadata.resourceVersion }, spec: { podCIDR: cidr, podCIDRs: [cidr] } });
    this.deps.logger.info({ node: name, podCIDR: cidr }, 'pod CIDR assigned');
  }
}

export function nodeIpamDescriptorWith(o: NodeIpamOptions): ControllerDescriptor {
  return { name: 'nodeipam', create: (deps) => new NodeIpamController(deps, o) };
}

/** The controller with k3s' default cluster CIDR; the server passes --cluster-cidr through nodeIpamDescriptorWith. */
export const nodeIpamControllerDescriptor: ControllerDescriptor = nodeIpamDescriptorWith({ clusterCIDR: DEFAULT_CLUSTER_CIDR });
