// The Node authorizer: a kubelet (user "system:node:<name>" in group "system:nodes") may read
// only what the pods bound to its node need, write its own Node, Lease and CSINode and those
// pods' status, and post events. Anything else gets no opinion, so RBAC decides (and denies by
// default). Reads pods and PVCs through a NodeGraphSource; writes nothing.
import type { KubeObject } from '../../api/object.js';
import type { AuthorizationAttributes, Authorizer, Decision, UserInfo } from '../types.js';
import { podReferences } from './pod-references.js';

export const NODES_GROUP = 'system:nodes';
export const NODE_USER_PREFIX = 'system:node:';
export const NODE_LEASE_NAMESPACE = 'kube-node-lease';

export interface NodeGraphSource {
  /** Pods whose spec.nodeName is node. */
  podsOnNode(node: string): Iterable<KubeObject>;
  pvc(namespace: string, name: string): KubeObject | undefined;
}

/** The node name of a node identity, or undefined for anyone else. */
export function nodeIdentity(user: UserInfo): string | undefined {
  if (!user.username.startsWith(NODE_USER_PREFIX) || !user.groups.includes(NODES_GROUP)) return undefined;
  return user.username.slice(NODE_USER_PREFIX.length);
}

type Result = { decision: Decision; reason: string };
const allow: Result = { decision: 'allow', reason: '' };
const noOpinion = (reason = ''): Result => ({ decision: 'noOpinion', reason });

const READ = new Set(['get', 'list', 'watch']);
const NODE_WRITE = new Set(['create', 'update', 'patch', 'delete']);
const STATUS_WRITE = new Set(['update', 'patch']);
const EVENT_WRITE = new Set(['create', 'update', 'patch']);

/** Read-only resources every kubelet needs, by "group/resource". */
const READABLE = new Set(['/services', '/endpoints', '/nodes', '/pods', 'discovery.k8s.io/endpointslices', 'storage.k8s.io/csidrivers', 'node.k8s.io/runtimeclasses', 'storage.k8s.io/storageclasses']);

export class NodeAuthorizer implements Authorizer {
  constructor(private readonly graph: NodeGraphSource) {}

  async authorize(a: AuthorizationAttributes): Promise<Result> {
    return this.decide(a);
  }

  decide(a: AuthorizationAttributes): Result {
    const node = nodeIdentity(a.user);
    if (node === undefined) return noOpinion();
    if (!node) return noOpinion('unknown node');
    if (!a.isResourceRequest) return noOpinion();
    const gr = `${a.apiGroup}/${a.resource}`;
    const sub = a.subresource;

    switch (gr) {
      case '/secrets':
      case '/configmaps':
      case '/persistentvolumeclaims':
      case '/persistentvolumes':
        if (sub === 'status' && gr === '/persistentvolumeclaims') {
          if (!STATUS_WRITE.has(a.verb) && a.verb !== 'get') return noOpinion('can only get, update or patch persistentvolumeclaims/status');
        } else if (sub) return noOpinion(`cannot access subresource ${sub}`);
        else if (!(a.verb === 'get' || ((a.verb === 'list' || a.verb === 'watch') && a.name && (gr === '/secrets' || gr === '/configmaps'))))
          return noOpinion('can only get individual resources of this type');
        if (!a.name) return noOpinion('can only get individual resources of this type');
        return this.related(node, gr, a.namespace, a.name) ? allow : noOpinion(`no relationship found between node '${node}' and this object`);
      case '/serviceaccounts':
        if (sub !== 'token' || a.verb !== 'create') return READ.has(a.verb) && !sub ? noOpinion() : noOpinion('can only create tokens for individual service accounts');
        return this.related(node, gr, a.namespace, a.name) ? allow : noOpinion(`no relationship found between node '${node}' and this object`);
      case '/nodes':
        if (!sub && READ.has(a.verb)) return allow;
        // A create names its object only in the body: NodeRestriction admission checks it.
        if (!sub && a.verb === 'create') return allow;
        if ((!sub && NODE_WRITE.has(a.verb)) || (sub === 'status' && STATUS_WRITE.has(a.verb))) {
          return a.name === node ? allow : noOpinion(`can only modify the node '${node}'`);
        }
        return noOpinion();
      case '/pods':
        if (!sub && READ.has(a.verb)) return allow;
        if (!sub && a.verb === 'create') return allow; // mirror pods; NodeRestriction admission narrows this
        if ((!sub && a.verb === 'delete') || (sub === 'status' && STATUS_WRITE.has(a.verb))) {
          return this.podOnNode(node, a.namespace, a.name) ? allow : noOpinion(`can only modify pods bound to node '${node}'`);
        }
        if (sub === 'eviction' && a.verb === 'create') return allow;
        return noOpinion();
      case '/events':
      case 'events.k8s.io/events':
        return EVENT_WRITE.has(a.verb) ? allow : noOpinion();
      case 'coordination.k8s.io/leases':
        if (sub || !(a.verb === 'get' || NODE_WRITE.has(a.verb))) return noOpinion(`can only get, create, update, patch or delete a node lease`);
        if (a.verb === 'create' && a.namespace === NODE_LEASE_NAMESPACE) return allow; // name checked by NodeRestriction
        return a.namespace === NODE_LEASE_NAMESPACE && a.name === node ? allow : noOpinion('can only access node lease with the same name as the requesting node');
      case 'storage.k8s.io/csinodes':
        if (sub || !(a.verb === 'get' || NODE_WRITE.has(a.verb))) return noOpinion('can only get, create, update, patch, or delete a CSINode');
        if (a.verb === 'create') return allow; // name checked by NodeRestriction
        return a.name === node ? allow : noOpinion('can only access CSINode with the same name as the requesting node');
      case 'storage.k8s.io/volumeattachments':
        return a.verb === 'get' && !sub ? allow : noOpinion('can only get individual resources of this type');
      case 'authentication.k8s.io/tokenreviews':
      case 'authorization.k8s.io/subjectaccessreviews':
      case 'authorization.k8s.io/localsubjectaccessreviews':
        return a.verb === 'create' ? allow : noOpinion();
      case 'certificates.k8s.io/certificatesigningrequests':
        return !sub && (a.verb === 'create' || READ.has(a.verb)) ? allow : noOpinion();
      default:
        return READABLE.has(gr) && !sub && READ.has(a.verb) ? allow : noOpinion();
    }
  }

  private podOnNode(node: string, namespace: string, name: string): boolean {
    for (const p of this.graph.podsOnNode(node)) if (p.metadata.namespace === namespace && p.metadata.name === name) return true;
    return false;
  }

  /** Whether a pod bound to node references the object (PVs through their bound claims). */
  private related(node: string, gr: string, namespace: string, name: string): boolean {
    for (const p of this.graph.podsOnNode(node)) {
      if (gr !== '/persistentvolumes' && p.metadata.namespace !== namespace) continue;
      const refs = podReferences(p);
      switch (gr) {
        case '/secrets':
          if (refs.secrets.includes(name)) return true;
          break;
        case '/configmaps':
          if (refs.configMaps.includes(name)) return true;
          break;
        case '/persistentvolumeclaims':
          if (refs.pvcs.includes(name)) return true;
          break;
        case '/serviceaccounts':
          if (refs.serviceAccount === name) return true;
          break;
        case '/persistentvolumes':
          for (const claim of refs.pvcs) {
            const pvc = this.graph.pvc(p.metadata.namespace ?? '', claim) as any;
            if (pvc?.spec?.volumeName === name) return true;
          }
          break;
      }
    }
    return false;
  }
}

/** A NodeGraphSource over plain lists (tests); the server uses informer-source.ts. */
export function staticNodeGraph(pods: KubeObject[], pvcs: KubeObject[] = []): NodeGraphSource {
  return {
    podsOnNode: (node) => pods.filter((p) => (p as any).spec?.nodeName === node),
    pvc: (ns, name) => pvcs.find((c) => c.metadata.namespace === ns && c.metadata.name === name),
  };
}
