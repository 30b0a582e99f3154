// Rows for storage, RBAC, coordination, autoscaling, policy, certificates, scheduling, node and
// admission-registration kinds.
import { AGE, NAME, col, columns } from './columns.js';
import { humanDuration, translateTimestampSince } from './duration.js';
import { count, int, quantityString } from './format.js';
import type { Obj, Printer } from './types.js';

const age = (o: Obj, nowMs: number) => translateTimestampSince(o?.metadata?.creationTimestamp, nowMs);
const name = (o: Obj): string => o?.metadata?.name ?? '';

function isDefaultClass(o: Obj): boolean {
  const a = o?.metadata?.annotations;
  return (
    a?.['storageclass.kubernetes.io/is-default-class'] === 'true' ||
    a?.['storageclass.beta.kubernetes.io/is-default-class'] === 'true'
  );
}

export const storageClassPrinter: Printer = {
  columns: columns(
    NAME,
    col('Provisioner', 'string', 'Driver that provisions volumes of this class.'),
    col('ReclaimPolicy', 'string', 'Reclaim policy given to provisioned volumes.'),
    col('VolumeBindingMode', 'string', 'When volumes are bound and provisioned.'),
    col('AllowVolumeExpansion', 'string', 'Whether claims of this class may grow.'),
    AGE,
  ),
  cells(o, now) {
    return [
      isDefaultClass(o) ? name(o) + ' (default)' : name(o),
      o?.provisioner ?? '',
      o?.reclaimPolicy ?? 'Delete',
      o?.volumeBindingMode ?? 'Immediate',
      o?.allowVolumeExpansion === true,
      age(o, now),
    ];
  },
};

export const csiDriverPrinter: Printer = {
  columns: columns(
    NAME,
    col('AttachRequired', 'boolean', 'Whether volumes need an attach step.'),
    col('PodInfoOnMount', 'boolean', 'Whether pod details are passed on mount.'),
    col('StorageCapacity', 'boolean', 'Whether the driver reports storage capacity.'),
    col('TokenRequests', 'string', 'Audiences of service account tokens passed to the driver.'),
    col('RequiresRepublish', 'boolean', 'Whether volumes are periodically republished.'),
    col('Modes', 'string', 'Supported volume lifecycle modes.'),
    AGE,
  ),
  cells(o, now) {
    const s = o?.spec ?? {};
    const modes = Array.isArray(s.volumeLifecycleModes) ? s.volumeLifecycleModes.join(',') : '';
    const tokens = Array.isArray(s.tokenRequests) ? s.tokenRequests.map((t: Obj) => t?.audience ?? '').join(',') : '<unset>';
    return [
      name(o),
      s.attachRequired !== false,
      s.podInfoOnMount === true,
      s.storageCapacity === true,
      tokens,
      s.requiresRepublish === true,
      modes || '<none>',
      age(o, now),
    ];
  },
};

export const csiNodePrinter: Printer = {
  columns: columns(NAME, col('Drivers', 'integer', 'CSI drivers registered on the node.'), AGE),
  cells(o, now) {
    return [name(o), count(o?.spec?.drivers), age(o, now)];
  },
};

export const volumeAttachmentPrinter: Printer = {
  columns: columns(
    NAME,
    col('Attacher', 'string', 'Driver doing the attach.', 0, 'name'),
    col('PV', 'string', 'PersistentVolume being attached.'),
    col('Node', 'string', 'Node the volume is attached to.'),
    col('Attached', 'boolean', 'Whether the attach has completed.'),
    AGE,
  ),
  cells(o, now) {
    return [
      name(o),
      o?.spec?.attacher ?? '',
      o?.spec?.source?.persistentVolumeName ?? '',
      o?.spec?.nodeName ?? '',
      o?.status?.attached === true,
      age(o, now),
    ];
  },
};

/** Users, groups and service accounts of a binding, as rbac.SubjectsStrings lists them. */
function subjects(o: Obj): [string, string, string] {
  const users: string[] = [];
  const groups: string[] = [];
  const sas: string[] = [];
  if (Array.isArray(o?.subjects)) {
    for (const s of o.subjects) {
      switch (s?.kind) {
        case 'ServiceAccount':
          sas.push(s.namespace ? `${s.namespace}/${s.name}` : (s.name ?? ''));
          break;
        case 'User':
          users.push(s.name ?? '');
          break;
        case 'Group':
          groups.push(s.name ?? '');
          break;
      }
    }
  }
  return [users.join(', '), groups.join(', '), sas.join(', ')];
}

function bindingColumns(what: string) {
  return columns(
    NAME,
    col('Role', 'string', 'Role the subjects are granted.'),
    AGE,
    col('Users', 'string', `Users in the ${what}.`, 1),
    col('Groups', 'string', `Groups in the ${what}.`, 1),
    col('ServiceAccounts', 'string', `ServiceAccounts in the ${what}.`, 1),
  );
}

function bindingCells(o: Obj, now: number): unknown[] {
  const [users, groups, sas] = subjects(o);
  return [name(o), `${o?.roleRef?.kind ?? ''}/${o?.roleRef?.name ?? ''}`, age(o, now), users, groups, sas];
}

export const roleBindingPrinter: Printer = { columns: bindingColumns('roleBinding'), cells: bindingCells };
export const clusterRoleBindingPrinter: Printer = { columns: bindingColumns('clusterRoleBinding'), cells: bindingCells };

export const leasePrinter: Printer = {
  columns: columns(NAME, col('Holder', 'string', 'Identity currently holding the lease.'), AGE),
  cells(o, now) {
    return [name(o), o?.spec?.holderIdentity ?? '', age(o, now)];
  },
};

/** HPA metric specs normalised to the autoscaling/v2 shape (v1 only has a CPU target). */
function hpaMetrics(o: Obj): { specs: Obj[]; statuses: Obj[] } {
  const spec = o?.spec ?? {};
  if (Array.isArray(spec.metrics)) {
    return { specs: spec.metrics, statuses: Array.isArray(o?.status?.currentMetrics) ? o.status.currentMetrics : [] };
  }
  if (typeof spec.targetCPUUtilizationPercentage !== 'number') return { specs: [], statuses: [] };
  const specs = [
    { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: spec.targetCPUUtilizationPercentage } } },
  ];
  const current = o?.status?.currentCPUUtilizationPercentage;
  const statuses =
    typeof current === 'number' ? [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: current } } }] : [];
  return { specs, statuses };
}

function valueTarget(target: Obj, current: Obj, status: unknown): string {
  if (target?.averageValue !== undefined && target?.averageValue !== null) {
    const cur = status && current?.averageValue !== undefined ? quantityString(current.averageValue) : '<unknown>';
    return `${cur}/${quantityString(target.averageValue)} (avg)`;
  }
  const cur = status ? quantityString(current?.value) : '<unknown>';
  return `${cur}/${quantityString(target?.value)}`;
}

function resourceTarget(src: Obj, st: Obj): string {
  const target = src?.target ?? {};
  if (target.averageValue !== undefined && target.averageValue !== null) {
    const cur = st ? quantityString(st.current?.averageValue) : '<unknown>';
    return `${src?.name ?? ''}: ${cur}/${quantityString(target.averageValue)}`;
  }
  const cur = typeof st?.current?.averageUtilization === 'number' ? `${st.current.averageUtilization}%` : '<unknown>';
  const want = typeof target.averageUtilization === 'number' ? `${target.averageUtilization}%` : '<auto>';
  return `${src?.name ?? ''}: ${cur}/${want}`;
}

/** TARGETS column: `cpu: 40%/80%`, `<unknown>/100 (avg)`, first two then ` + N more...`. */
export function formatHPAMetrics(o: Obj): string {
  const { specs, statuses } = hpaMetrics(o);
  if (specs.length === 0) return '<none>';
  const list: string[] = [];
  for (let i = 0; i < specs.length; i++) {
    const s = specs[i];
    const st = statuses[i];
    switch (s?.type) {
      case 'External':
        list.push(valueTarget(s.external?.target, st?.external?.current, st?.external));
        break;
      case 'Pods': {
        const cur = st?.pods ? quantityString(st.pods.current?.averageValue) : '<unknown>';
        list.push(`${cur}/${quantityString(s.pods?.target?.averageValue)}`);
        break;
      }
      case 'Object':
        list.push(valueTarget(s.object?.target, st?.object?.current, st?.object));
        break;
      case 'Resource':
        list.push(resourceTarget(s.resource, st?.resource));
        break;
      case 'ContainerResource':
        list.push(resourceTarget(s.containerResource, st?.containerResource));
        break;
      default:
        list.push('<unknown type>');
    }
  }
  const max = 2;
  if (list.length > max) return `${list.slice(0, max).join(', ')} + ${list.length - max} more...`;
  return list.join(', ');
}

export const horizontalPodAutoscalerPrinter: Printer = {
  columns: columns(
    NAME,
    col('Reference', 'string', 'Object whose scale is controlled.'),
    col('Targets', 'string', 'Current and target metric values.'),
    col('MinPods', 'string', 'Lower replica bound.'),
    col('MaxPods', 'string', 'Upper replica bound.'),
    col('Replicas', 'string', 'Current replicas.'),
    AGE,
  ),
  cells(o, now) {
    const ref = o?.spec?.scaleTargetRef ?? {};
    const min = o?.spec?.minReplicas;
    return [
      name(o),
      `${ref.kind ?? ''}/${ref.name ?? ''}`,
      formatHPAMetrics(o),
      typeof min === 'number' ? String(min) : '<unset>',
      int(o?.spec?.maxReplicas),
      int(o?.status?.currentReplicas),
      age(o, now),
    ];
  },
};

export const podDisruptionBudgetPrinter: Printer = {
  columns: columns(
    NAME,
    col('Min Available', 'string', 'Pods that must stay available.'),
    col('Max Unavailable', 'string', 'Pods that may be unavailable.'),
    col('Allowed Disruptions', 'integer', 'Pods that may be disrupted right now.'),
    AGE,
  ),
  cells(o, now) {
    const s = o?.spec ?? {};
    return [
      name(o),
      s.minAvailable === undefined || s.minAvailable === null ? 'N/A' : String(s.minAvailable),
      s.maxUnavailable === undefined || s.maxUnavailable === null ? 'N/A' : String(s.maxUnavailable),
      int(o?.status?.disruptionsAllowed),
      age(o, now),
    ];
  },
};

function csrCondition(o: Obj): string {
  let approved = false;
  let denied = false;
  let failed = false;
  if (Array.isArray(o?.status?.conditions)) {
    for (const c of o.status.conditions) {
      if (c?.type === 'Approved') approved = true;
      else if (c?.type === 'Denied') denied = true;
      else if (c?.type === 'Failed') failed = true;
    }
  }
  let s = denied ? 'Denied' : approved ? 'Approved' : 'Pending';
  if (failed) s += ',Failed';
  if (o?.status?.certificate) s += ',Issued';
  return s;
}

export const certificateSigningRequestPrinter: Printer = {
  columns: columns(
    NAME,
    AGE,
    col('SignerName', 'string', 'Signer asked to issue the certificate.'),
    col('Requestor', 'string', 'User who created the request.'),
    col('RequestedDuration', 'string', 'Validity period asked for.'),
    col('Condition', 'string', 'Approval state and whether a certificate was issued.'),
  ),
  cells(o, now) {
    const exp = o?.spec?.expirationSeconds;
    return [
      name(o),
      age(o, now),
      o?.spec?.signerName || '<none>',
      o?.spec?.username ?? '',
      typeof exp === 'number' ? humanDuration(exp * 1000) : '<none>',
      csrCondition(o),
    ];
  },
};

export const priorityClassPrinter: Printer = {
  columns: columns(
    NAME,
    col('Value', 'integer', 'Scheduling priority.'),
    col('Global-Default', 'boolean', 'Whether pods without a class get this one.'),
    AGE,
    col('PreemptionPolicy', 'string', 'Whether pods of this class may preempt others.'),
  ),
  cells(o, now) {
    return [name(o), int(o?.value), o?.globalDefault === true, age(o, now), o?.preemptionPolicy ?? ''];
  },
};

export const runtimeClassPrinter: Printer = {
  columns: columns(NAME, col('Handler', 'string', 'CRI handler that runs the pods.'), AGE),
  cells(o, now) {
    return [name(o), o?.handler ?? '', age(o, now)];
  },
};

export const webhookConfigurationPrinter: Printer = {
  columns: columns(NAME, col('Webhooks', 'integer', 'Webhooks in this configuration.'), AGE),
  cells(o, now) {
    return [name(o), count(o?.webhooks), age(o, now)];
  },
};

/**
 * The generic API server's fallback for kinds with no printer (Roles, ClusterRoles,
 * LimitRanges, CRDs...): the name and the creation time in RFC 3339, not an age.
 */
export const createdAtPrinter: Printer = {
  columns: columns(NAME, col('Created At', 'date', 'Time the object was created.')),
  cells(o) {
    const t = Date.parse(o?.metadata?.creationTimestamp ?? '');
    const created = Number.isNaN(t) ? '0001-01-01T00:00:00Z' : new Date(t - (t % 1000)).toISOString().replace('.000Z', 'Z');
    return [name(o), created];
  },
};

/** Fallback for kinds the project does not know at all. */
export const nameAgePrinter: Printer = {
  columns: columns(NAME, AGE),
  cells(o, now) {
    return [name(o), age(o, now)];
  },
};
