// Endpoints that are not plain CRUD on a stored object: pods/binding, pods/eviction, the
// create-only review types, and the node-routed pod streams (log, exec, attach, portforward),
// which need a node agent and answer with a clear error until one is connected.
import type { KubeObject } from '../../api/object.js';
import { errors, StatusError } from '../../api/errors.js';
import type { ResourceInfo } from '../../api/registry/types.js';
import { selectorFromSpec } from '../../api/selectors/label-selector.js';
import { rfc3339, type RequestContext } from '../context.js';
import { firstHeader, mediaType, readBody, sendJson, successStatus, type Reply } from '../http.js';
import type { ApiMachinery } from '../machinery.js';
import type { RequestInfo } from '../request-info.js';
import type { ResourceStorage } from '../registry/resource-storage.js';
import type { SpecialHandler } from '../server.js';
import { MAX_BODY_BYTES } from './resource-handler.js';

export interface SpecialDeps {
  machinery: ApiMachinery;
  storage(group: string, plural: string): ResourceStorage;
  /** Decides a review (RBAC once it lands; until then every authenticated user may do anything). */
  authorize?(user: RequestContext['user'], attrs: Record<string, unknown>): Promise<{ allowed: boolean; reason?: string }>;
  /** SelfSubjectRulesReview status for a user in a namespace. */
  rulesReview?(user: RequestContext['user'], namespace: string): unknown;
}

async function readJson(r: Reply, m: ApiMachinery): Promise<KubeObject> {
  const body = await readBody(r.req, MAX_BODY_BYTES);
  const v = m.decodeBody(body, mediaType(firstHeader(r.req.headers['content-type'])) || 'application/json').value;
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw errors.badRequest('request body must be an object');
  const obj = v as KubeObject;
  obj.metadata ??= {};
  return obj;
}

function isPod(info: ResourceInfo): boolean {
  return info.group === '' && info.plural === 'pods';
}

/** Binding a pod to a node (the scheduler's write): sets spec.nodeName once. */
export function bindingHandler(d: SpecialDeps): SpecialHandler {
  return {
    matches: (ri, info) => (isPod(info) && ri.subresource === 'binding') || (info.group === '' && info.plural === 'bindings'),
    async handle(r, ri, _info, _q, ctx) {
      if (ri.verb !== 'create') throw errors.methodNotAllowed();
      const binding = await readJson(r, d.machinery);
      const podName = ri.subresource === 'binding' ? ri.name : binding.metadata.name;
      if (!podName) throw errors.invalid('Binding', '', '', [{ reason: 'FieldValueRequired', field: 'metadata.name', message: 'Required value' }]);
      const target = (binding as any).target;
      if (!target?.name) throw errors.invalid('Binding', '', podName, [{ reason: 'FieldValueRequired', field: 'target.name', message: 'Required value' }]);
      await d.storage('', 'pods').update(ri.namespace, podName, (pod) => {
        const spec = ((pod as any).spec ??= {});
        if (pod.metadata.deletionTimestamp) throw errors.conflict('pods', '', podName, 'pod is being deleted, cannot be assigned to a host');
        if (spec.nodeName) throw errors.conflict('pods', '', podName, `pod ${podName} is already assigned to node "${spec.nodeName}"`);
        spec.nodeName = target.name;
        if (binding.metadata.annotations) pod.metadata.annotations = { ...pod.metadata.annotations, ...binding.metadata.annotations };
        const status = ((pod as any).status ??= {});
        const conds: any[] = (status.conditions ??= []);
        const i = conds.findIndex((c) => c.type === 'PodScheduled');
        const cond = { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: rfc3339(ctx.now) };
        if (i >= 0) conds[i] = cond;
        else conds.push(cond);
        return pod;
      }, ctx, 'binding');
      sendJson(r, 201, successStatus());
    },
  };
}

/** pods/eviction: a delete that respects PodDisruptionBudgets. */
export function evictionHandler(d: SpecialDeps): SpecialHandler {
  return {
    matches: (ri, info) => isPod(info) && ri.subresource === 'eviction',
    async handle(r, ri, _info, _q, ctx) {
      if (ri.verb !== 'create') throw errors.methodNotAllowed();
      const eviction = await readJson(r, d.machinery);
      const pods = d.storage('', 'pods');
      const pod = await pods.get(ri.namespace, ri.name);
      const phase = (pod as any).status?.phase;
      if (phase !== 'Succeeded' && phase !== 'Failed' && !pod.metadata.deletionTimestamp) {
        const pdbs = await d.storage('policy', 'poddisruptionbudgets').list(ri.namespace, { filter: null });
        const matching = pdbs.items.filter((p) => selectorFromSpec((p as any).spec?.selector)(pod.metadata.labels));
        if (matching.length > 1) throw new StatusError(500, 'InternalError', 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.');
        const pdb = matching[0] as any;
        if (pdb && (pdb.status?.disruptionsAllowed ?? 0) < 1) {
          throw new StatusError(429, 'TooManyRequests', 'Cannot evict pod as it would violate the pod\'s disruption budget.', {
            causes: [{ reason: 'DisruptionBudget', message: `The disruption budget ${pdb.metadata.name} needs ${pdb.status?.desiredHealthy ?? 0} healthy pods and has ${pdb.status?.currentHealthy ?? 0} currently` }],
          });
        }
        if (pdb) {
          await d.storage('policy', 'poddisruptionbudgets').update(ri.namespace, pdb.metadata.name, (cur: any) => {
            cur.status = { ...cur.status, disruptionsAllowed: Math.max(0, (cur.status?.disruptionsAllowed ?? 1) - 1), disruptedPods: { ...(cur.status?.disruptedPods ?? {}), [ri.name]: rfc3339(ctx.now) } };
            return cur;
          }, ctx, 'status');
        }
      }
      const opts = (eviction as any).deleteOptions ?? {};
      await pods.delete(ri.namespace, ri.name, opts, ctx);
      sendJson(r, 201, successStatus());
    },
  };
}

/** Create-only review types answered from the request alone. */
export function reviewHandler(d: SpecialDeps): SpecialHandler {
  const allowAll = async () => ({ allowed: true, reason: '' });
  const authorize = d.authorize ?? allowAll;
  return {
    matches: (_ri, info) => !!info.virtual,
    async handle(r, ri, info, _q, ctx) {
      if (ri.verb !== 'create') throw errors.methodNotAllowed();
      const review = await readJson(r, d.machinery) as any;
      review.apiVersion = `${info.group}/${info.version}`;
      review.kind = info.kind;
      review.metadata = { ...review.metadata, creationTimestamp: null };
      const spec = review.spec ?? {};
      switch (info.kind) {
        case 'SelfSubjectAccessReview': {
          const res = await authorize(ctx.user, spec.resourceAttributes ?? spec.nonResourceAttributes ?? {});
          review.status = { allowed: res.allowed, ...(res.reason ? { reason: res.reason } : {}) };
          break;
        }
        case 'SubjectAccessReview':
        case 'LocalSubjectAccessReview': {
          const user = { username: spec.user ?? '', groups: spec.groups ?? [], uid: spec.uid };
          const res = await authorize(user, spec.resourceAttributes ?? spec.nonResourceAttributes ?? {});
          review.status = { allowed: res.allowed, ...(res.reason ? { reason: res.reason } : {}) };
          break;
        }
        case 'SelfSubjectRulesReview':
          if (d.rulesReview) {
            review.status = d.rulesReview(ctx.user, spec.namespace ?? '');
            break;
          }
          review.status = {
            resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }],
            nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }],
            incomplete: false,
          };
          break;
        case 'SelfSubjectReview':
          review.status = { userInfo: { username: ctx.user.username, ...(ctx.user.uid ? { uid: ctx.user.uid } : {}), groups: ctx.user.groups, ...(ctx.user.extra ? { extra: ctx.user.extra } : {}) } };
          break;
        case 'TokenReview':
          review.status = { authenticated: false, error: 'token authentication is not enabled yet' };
          break;
        default:
          throw errors.methodNotAllowed();
      }
      sendJson(r, 201, review);
    },
  };
}

/** pods/log, exec, attach, portforward and proxies are routed to the node's kubelet. */
export function nodeStreamHandler(route?: (r: Reply, ri: RequestInfo, ctx: RequestContext, query: URLSearchParams) => Promise<void>): SpecialHandler {
  const streams = new Set(['log', 'exec', 'attach', 'portforward', 'proxy']);
  return {
    matches: (ri, info) => info.group === '' && (info.plural === 'pods' || info.plural === 'nodes' || info.plural === 'services') && streams.has(ri.subresource.split('/')[0]!),
    async handle(r, ri, _info, q, ctx) {
      if (route) return route(r, ri, ctx, q);
      throw errors.badRequest(`${ri.subresource} is not available: no node agent is connected to serve pod ${ri.namespace}/${ri.name}`);
    },
  };
}
