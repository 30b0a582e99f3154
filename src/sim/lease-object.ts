// The node Lease a kubelet renews in kube-node-lease: the cheap heartbeat the node lifecycle
// controller watches (upstream: 40 s duration, renewed every quarter of it).
import type { KubeObject } from '../api/object.js';
import { microTime } from './timestamps.js';

export const NODE_LEASE_NAMESPACE = 'kube-node-lease';
export const NODE_LEASE_DURATION_SECONDS = 40;

export function buildNodeLease(nodeName: string, nodeUid: string | undefined, nowMs: number): KubeObject {
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: {
      name: nodeName,
      namespace: NODE_LEASE_NAMESPACE,
      // Owned by its Node, so deleting the Node collects the Lease.
      ...(nodeUid ? { ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: nodeName, uid: nodeUid }] } : {}),
    },
    spec: {
      holderIdentity: nodeName,
      leaseDurationSeconds: NODE_LEASE_DURATION_SECONDS,
      renewTime: microTime(nowMs),
    },
  };
}

/** The renewal of lease at nowMs: a copy with a new renewTime (and resourceVersion kept). */
export function renewedLease(lease: KubeObject, nowMs: number): KubeObject {
  const spec = (lease.spec ?? {}) as Record<string, unknown>;
  return { ...lease, spec: { ...spec, renewTime: microTime(nowMs) } };
}
