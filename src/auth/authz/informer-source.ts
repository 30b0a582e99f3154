// Feeds the authorizers from shared informers: the RBAC policy index from the four RBAC
// resources, the Node authorizer's graph from pods (indexed by node) and PVCs.
import type { KubeObject } from '../../api/object.js';
import type { SharedInformerFactory } from '../../client/informer-types.js';
import { R } from '../../client/resources.js';
import type { NodeGraphSource } from './node-authorizer.js';
import { RBACPolicyIndex } from './policy-index.js';
import type { BindingObject, RoleObject } from './rbac-types.js';

export function rbacIndexFromInformers(informers: SharedInformerFactory, index = new RBACPolicyIndex()): RBACPolicyIndex {
  for (const gvr of [R.roles, R.clusterroles]) {
    informers.informerFor<RoleObject>(gvr).addEventHandler({
      onAdd: (o) => index.upsertRole(o),
      onUpdate: (_old, o) => index.upsertRole(o),
      onDelete: (o) => index.removeRole(o),
    });
  }
  for (const gvr of [R.rolebindings, R.clusterrolebindings]) {
    informers.informerFor<BindingObject>(gvr).addEventHandler({
      onAdd: (o) => index.upsertBinding(o),
      onUpdate: (_old, o) => index.upsertBinding(o),
      onDelete: (o) => index.removeBinding(o),
    });
  }
  return index;
}

export const POD_NODE_INDEX = 'node-authorizer:spec.nodeName';

export function nodeGraphFromInformers(informers: SharedInformerFactory): NodeGraphSource {
  const pods = informers.informerFor(R.pods);
  pods.addIndexers({ [POD_NODE_INDEX]: (p: KubeObject) => { const n = (p as any).spec?.nodeName; return n ? [n] : []; } });
  const pvcs = informers.informerFor(R.persistentvolumeclaims);
  return {
    podsOnNode: (node) => pods.store.byIndex(POD_NODE_INDEX, node),
    pvc: (ns, name) => pvcs.store.get(`${ns}/${name}`),
  };
}
