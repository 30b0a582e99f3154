// Storage hooks that run the RBACEscalation check on Role/ClusterRole/RoleBinding/
// ClusterRoleBinding writes, for servers that call admission from ResourceHooks. The plugin
// is looked up per write because storages exist before the authorizer's informers do.
import type { ResourceInfo } from '../../api/registry/types.js';
import type { ResourceHooks } from '../../apiserver/registry/resource-storage.js';
import type { AdmissionPlugin } from '../types.js';
import { RBAC_GROUP } from './rbac-types.js';

const RBAC_PLURALS = new Set(['roles', 'clusterroles', 'rolebindings', 'clusterrolebindings']);

export function isRBACResource(info: ResourceInfo): boolean {
  return info.group === RBAC_GROUP && RBAC_PLURALS.has(info.plural);
}

/** beforeCreate/beforeUpdate for RBAC resources (empty for any other resource). */
export function escalationHooks(info: ResourceInfo, plugin: () => AdmissionPlugin | undefined): Pick<ResourceHooks, 'beforeCreate' | 'beforeUpdate'> {
  if (!isRBACResource(info)) return {};
  return {
    async beforeCreate(obj, ctx) {
      await plugin()?.validate?.({ operation: 'CREATE', info, subresource: '', namespace: obj.metadata.namespace ?? '', name: obj.metadata.name ?? '', object: obj, user: ctx.user, dryRun: ctx.dryRun });
    },
    async beforeUpdate(obj, old, ctx) {
      await plugin()?.validate?.({ operation: 'UPDATE', info, subresource: '', namespace: obj.metadata.namespace ?? '', name: obj.metadata.name ?? '', object: obj, oldObject: old, user: ctx.user, dryRun: ctx.dryRun });
    },
  };
}
