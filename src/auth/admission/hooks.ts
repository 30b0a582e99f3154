// Bridges the admission chain into the generic registry's ResourceHooks: builds the admission
// attributes from the object, the request context and the resource, and runs the mutating then
// validating phase before the resource's own hooks (so a refused write never allocates).
import type { KubeObject } from '../../api/object.js';
import type { ResourceInfo } from '../../api/registry/types.js';
import type { RequestContext } from '../../apiserver/context.js';
import type { ResourceHooks } from '../../apiserver/registry/resource-storage.js';
import type { AdmissionOperation } from '../types.js';
import type { AdmissionRequest } from './attributes.js';
import type { AdmissionChain } from './chain.js';

export interface AdmissionHooks extends ResourceHooks {
  beforeUpdate(obj: KubeObject, old: KubeObject, ctx: RequestContext, subresource?: string): Promise<void>;
  /** obj = the live object, read by the registry after the delete's preconditions. */
  beforeDelete(obj: KubeObject, ctx: RequestContext, subresource?: string): Promise<void>;
  /** For subresource creates (binding, eviction): obj is the posted body, name the parent. */
  beforeSubresourceCreate(obj: KubeObject, namespace: string, name: string, subresource: string, ctx: RequestContext): Promise<void>;
}

export function admissionAttributes(info: ResourceInfo, operation: AdmissionOperation, ctx: RequestContext, fields: { namespace: string; name: string; subresource?: string; object?: KubeObject; oldObject?: KubeObject }): AdmissionRequest {
  return {
    operation,
    info,
    subresource: fields.subresource ?? '',
    namespace: fields.namespace,
    name: fields.name,
    object: fields.object,
    oldObject: fields.oldObject,
    user: ctx.user,
    dryRun: ctx.dryRun,
    warnings: ctx.warnings,
  };
}

/**
 * Until the registry passes the subresource to beforeUpdate: an update that leaves spec alone
 * and changes status is taken as a status write (what kubelets and controllers send).
 */
export function inferSubresource(info: ResourceInfo, obj: KubeObject, old: KubeObject): string {
  if (!info.subresources.some((s) => s.name === 'status')) return '';
  const o = obj as Record<string, unknown>;
  const p = old as Record<string, unknown>;
  return JSON.stringify(o.spec) === JSON.stringify(p.spec) && JSON.stringify(o.status) !== JSON.stringify(p.status) ? 'status' : '';
}

async function run(chain: AdmissionChain, a: AdmissionRequest): Promise<void> {
  await chain.admit(a);
  await chain.validate(a);
}

export function admissionHooks(chain: AdmissionChain, info: ResourceInfo, base: ResourceHooks = {}): AdmissionHooks {
  return {
    ...base,
    async beforeCreate(obj, ctx) {
      await run(chain, admissionAttributes(info, 'CREATE', ctx, { namespace: obj.metadata.namespace ?? '', name: obj.metadata.name ?? '', object: obj }));
      await base.beforeCreate?.(obj, ctx);
    },
    async beforeUpdate(obj, old, ctx, subresource?: string) {
      const sub = subresource ?? inferSubresource(info, obj, old);
      await run(chain, admissionAttributes(info, 'UPDATE', ctx, { namespace: obj.metadata.namespace ?? '', name: obj.metadata.name ?? '', subresource: sub, object: obj, oldObject: old }));
      await base.beforeUpdate?.(obj, old, ctx);
    },
    async beforeDelete(obj, ctx, subresource = '') {
      const where = { namespace: obj.metadata.namespace ?? '', name: obj.metadata.name ?? '', subresource };
      // Upstream's delete handler runs the mutating phase before it reads the object, so mutating
      // plugins and webhooks see neither object nor oldObject; validation sees the live object.
      await chain.admit(admissionAttributes(info, 'DELETE', ctx, where));
      await chain.validate(admissionAttributes(info, 'DELETE', ctx, { ...where, oldObject: obj }));
      await base.beforeDelete?.(obj, ctx);
    },
    async beforeSubresourceCreate(obj, namespace, name, subresource, ctx) {
      await run(chain, admissionAttributes(info, 'CREATE', ctx, { namespace, name, subresource, object: obj }));
    },
  };
}
