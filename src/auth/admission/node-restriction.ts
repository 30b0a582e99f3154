// NodeRestriction admission (validating): a kubelet (user system:node:<name> in group
// system:nodes) may only write its own Node and node Lease, create mirror pods bound to itself,
// and update or delete pods bound to itself. Other users pass untouched.
import type { KubeObject } from '../../api/object.js';
import type { AdmissionPlugin } from '../types.js';
import { admissionForbidden, type AdmissionRequest } from './attributes.js';
import type { ObjectLookup } from './lookup.js';

const MIRROR = 'kubernetes.io/config.mirror';
const RESTRICTED_LABEL_PREFIX = 'node-restriction.kubernetes.io/';

/** The node name of a kubelet identity, or undefined for other users. */
export function nodeNameOf(user: { username: string; groups: string[] }): string | undefined {
  if (!user.username.startsWith('system:node:') || !user.groups.includes('system:nodes')) return undefined;
  return user.username.slice('system:node:'.length) || undefined;
}

export class NodeRestriction implements AdmissionPlugin {
  readonly name = 'NodeRestriction';
  constructor(private readonly lookup?: ObjectLookup) {}

  async validate(a: AdmissionRequest): Promise<void> {
    const node = nodeNameOf(a.user);
    if (!node) return;
    const key = `${a.info.group}/${a.info.plural}`;
    if (key === '/nodes') return this.checkNode(a, node);
    if (key === '/pods') return this.checkPod(a, node);
    if (key === 'coordination.k8s.io/leases' && a.namespace === 'kube-node-lease') {
      if (a.name !== node && a.object?.metadata.name !== node) throw admissionForbidden(a, 'can only access node lease with the same name as the requesting node');
    }
  }

  private checkNode(a: AdmissionRequest, node: string): void {
    const requested = a.name || a.object?.metadata.name || '';
    if (requested !== node) throw admissionForbidden(a, `node "${node}" is not allowed to modify node "${requested}"`);
    if (a.operation === 'CREATE' || (a.operation === 'UPDATE' && !a.subresource)) {
      const before = a.oldObject?.metadata.labels ?? {};
      const after = a.object?.metadata.labels ?? {};
      const bad = [...new Set([...Object.keys(before), ...Object.keys(after)])]
        .filter((k) => before[k] !== after[k] && (k.startsWith(RESTRICTED_LABEL_PREFIX) || k.split('/')[0]!.endsWith('.' + RESTRICTED_LABEL_PREFIX.slice(0, -1))))
        .sort();
      if (bad.length) throw admissionForbidden(a, `is not allowed to modify labels: ${bad.join(', ')}`);
    }
  }

  private async checkPod(a: AdmissionRequest, node: string): Promise<void> {
    const boundTo = (p: KubeObject | undefined) => (p as any)?.spec?.nodeName as string | undefined;
    if (a.operation === 'CREATE' && !a.subresource) {
      if (a.object?.metadata.annotations?.[MIRROR] === undefined) throw admissionForbidden(a, `pod does not have "${MIRROR}" annotation, node "${node}" can only create mirror pods`);
      if (boundTo(a.object) !== node) throw admissionForbidden(a, `node "${node}" can only create pods with spec.nodeName set to itself`);
      return;
    }
    if (a.operation === 'CREATE' && a.subresource === 'eviction') {
      const pod = await this.lookup?.get('', 'pods', a.namespace, a.name);
      if (pod && boundTo(pod) !== node) throw admissionForbidden(a, `node "${node}" can only evict pods with spec.nodeName set to itself`);
      return;
    }
    const existing = a.oldObject ?? (await this.lookup?.get('', 'pods', a.namespace, a.name));
    if (a.operation === 'UPDATE') {
      if (!a.subresource) throw admissionForbidden(a, `unexpected operation "UPDATE", node "${node}" can only create and delete mirror pods`);
      if (a.subresource !== 'status') throw admissionForbidden(a, `unexpected subresource "${a.subresource}", node "${node}" can only update pod status`);
      if (boundTo(existing) !== node) throw admissionForbidden(a, `node "${node}" can only update pod status for pods with spec.nodeName set to itself`);
      return;
    }
    if (a.operation === 'DELETE' && existing && boundTo(existing) !== node) throw admissionForbidden(a, `node "${node}" can only delete pods with spec.nodeName set to itself`);
  }
}
