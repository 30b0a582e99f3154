// Rows for core cluster objects: Nodes, Namespaces, ConfigMaps, Secrets, ServiceAccounts,
// PersistentVolumes and claims, Events (core/v1 and events.k8s.io/v1), ResourceQuotas.
import { AGE, NAME, col, columns } from './columns.js';
import { translateTimestampSince } from './duration.js';
import { accessModesString, count, int, quantityString } from './format.js';
import type { Obj, Printer } from './types.js';

const age = (o: Obj, nowMs: number) => translateTimestampSince(o?.metadata?.creationTimestamp, nowMs);

const ROLE_PREFIX = 'node-role.kubernetes.io/';
const ROLE_LABEL = 'kubernetes.io/role';

function nodeStatus(node: Obj): string {
  let status = 'Unknown';
  const conds = node?.status?.conditions;
  if (Array.isArray(conds)) {
    // The last Ready condition wins, as upstream indexes conditions by type.
    for (const c of conds) if (c?.type === 'Ready') status = c.status === 'True' ? 'Ready' : 'NotReady';
  }
  return node?.spec?.unschedulable ? status + ',SchedulingDisabled' : status;
}

function nodeRoles(node: Obj): string {
  const labels = node?.metadata?.labels;
  if (!labels) return '<none>';
  const roles = new Set<string>();
  for (const k of Object.keys(labels)) {
    if (k.startsWith(ROLE_PREFIX)) {
      const role = k.slice(ROLE_PREFIX.length);
      if (role) roles.add(role);
    } else if (k === ROLE_LABEL && labels[k]) {
      roles.add(labels[k]);
    }
  }
  return roles.size === 0 ? '<none>' : [...roles].sort().join(',');
}

function nodeAddress(node: Obj, type: string): string {
  const addrs = node?.status?.addresses;
  if (Array.isArray(addrs)) for (const a of addrs) if (a?.type === type) return a.address ?? '';
  return '<none>';
}

export const nodePrinter: Printer = {
  columns: columns(
    NAME,
    col('Status', 'string', 'Readiness of the node, and whether scheduling is disabled.'),
    col('Roles', 'string', 'Roles taken from the node-role labels.'),
    AGE,
    col('Version', 'string', 'Kubelet version.'),
    col('Internal-IP', 'string', 'First internal address of the node.', 1),
    col('External-IP', 'string', 'First external address of the node.', 1),
    col('OS-Image', 'string', 'Operating system image.', 1),
    col('Kernel-Version', 'string', 'Kernel version.', 1),
    col('Container-Runtime', 'string', 'Container runtime and its version.', 1),
  ),
  cells(o, now) {
    const info = o?.status?.nodeInfo ?? {};
    return [
      o?.metadata?.name ?? '',
      nodeStatus(o),
      nodeRoles(o),
      age(o, now),
      info.kubeletVersion ?? '',
      nodeAddress(o, 'InternalIP'),
      nodeAddress(o, 'ExternalIP'),
      info.osImage || '<unknown>',
      info.kernelVersion || '<unknown>',
      info.containerRuntimeVersion || '<unknown>',
    ];
  },
};

export const namespacePrinter: Printer = {
  columns: columns(NAME, col('Status', 'string', 'Lifecycle phase of the namespace.'), AGE),
  cells(o, now) {
    return [o?.metadata?.name ?? '', o?.status?.phase ?? '', age(o, now)];
  },
};

export const configMapPrinter: Printer = {
  columns: columns(NAME, col('Data', 'string', 'Number of data and binaryData entries.'), AGE),
  cells(o, now) {
    return [o?.metadata?.name ?? '', count(o?.data) + count(o?.binaryData), age(o, now)];
  },
};

export const secretPrinter: Printer = {
  columns: columns(
    NAME,
    col('Type', 'string', 'Kind of secret data.'),
    col('Data', 'string', 'Number of data entries.'),
    AGE,
  ),
  cells(o, now) {
    // stringData is write-only and merged into data before storage.
    return [o?.metadata?.name ?? '', o?.type ?? '', count(o?.data), age(o, now)];
  },
};

export const serviceAccountPrinter: Printer = {
  columns: columns(NAME, col('Secrets', 'string', 'Number of referenced secrets.'), AGE),
  cells(o, now) {
    return [o?.metadata?.name ?? '', count(o?.secrets), age(o, now)];
  },
};

const BETA_CLASS_ANNOTATION = 'volume.beta.kubernetes.io/storage-class';

export const persistentVolumePrinter: Printer = {
  columns: columns(
    NAME,
    col('Capacity', 'string', 'Storage size of the volume.'),
    col('Access Modes', 'string', 'How the volume may be mounted.'),
    col('Reclaim Policy', 'string', 'What happens to the volume when its claim is released.'),
    col('Status', 'string', 'Lifecycle phase of the volume.'),
    col('Claim', 'string', 'Claim bound to the volume.'),
    col('StorageClass', 'string', 'StorageClass of the volume.'),
    col('VolumeAttributesClass', 'string', 'VolumeAttributesClass of the volume.'),
    col('Reason', 'string', 'Why the volume is in its phase.'),
    AGE,
    col('VolumeMode', 'string', 'Filesystem or Block.', 1),
  ),
  cells(o, now) {
    const spec = o?.spec ?? {};
    const ref = spec.claimRef;
    const cls = o?.metadata?.annotations?.[BETA_CLASS_ANNOTATION] ?? spec.storageClassName ?? '';
    return [
      o?.metadata?.name ?? '',
      quantityString(spec.capacity?.storage),
      accessModesString(spec.accessModes),
      spec.persistentVolumeReclaimPolicy ?? '',
      o?.metadata?.deletionTimestamp ? 'Terminating' : (o?.status?.phase ?? ''),
      ref ? `${ref.namespace ?? ''}/${ref.name ?? ''}` : '',
      cls,
      typeof spec.volumeAttributesClassName === 'string' ? spec.volumeAttributesClassName : '<unset>',
      o?.status?.reason ?? '',
      age(o, now),
      typeof spec.volumeMode === 'string' ? spec.volumeMode : '<unset>',
    ];
  },
};

export const persistentVolumeClaimPrinter: Printer = {
  columns: columns(
    NAME,
    col('Status', 'string', 'Lifecycle phase of the claim.'),
    col('Volume', 'string', 'Volume bound to the claim.'),
    col('Capacity', 'string', 'Storage size of the bound volume.'),
    col('Access Modes', 'string', 'How the bound volume may be mounted.'),
    col('StorageClass', 'string', 'StorageClass of the claim.'),
    col('VolumeAttributesClass', 'string', 'VolumeAttributesClass of the claim.'),
    AGE,
    col('VolumeMode', 'string', 'Filesystem or Block.', 1),
  ),
  cells(o, now) {
    const spec = o?.spec ?? {};
    const bound = typeof spec.volumeName === 'string' && spec.volumeName !== '';
    const cls = o?.metadata?.annotations?.[BETA_CLASS_ANNOTATION] ?? spec.storageClassName ?? '';
    return [
      o?.metadata?.name ?? '',
      o?.metadata?.deletionTimestamp ? 'Terminating' : (o?.status?.phase ?? ''),
      spec.volumeName ?? '',
      bound ? quantityString(o?.status?.capacity?.storage) : '',
      bound ? accessModesString(o?.status?.accessModes) : '',
      cls,
      typeof spec.volumeAttributesClassName === 'string' ? spec.volumeAttributesClassName : '<unset>',
      age(o, now),
      typeof spec.volumeMode === 'string' ? spec.volumeMode : '<unset>',
    ];
  },
};

const eventColumns = columns(
  col('Last Seen', 'string', 'Time since the event was last observed.'),
  col('Type', 'string', 'Normal or Warning.'),
  col('Reason', 'string', 'Short machine-readable cause.'),
  col('Object', 'string', 'Object the event is about.'),
  col('Subobject', 'string', 'Part of the object the event is about.', 1),
  col('Source', 'string', 'Component that reported the event.', 1),
  col('Message', 'string', 'Human-readable description.'),
  col('First Seen', 'string', 'Time since the event was first observed.', 1),
  col('Count', 'string', 'Times the event was observed.', 1),
  col(NAME.name, NAME.type, NAME.description, 1, NAME.format),
);

/** The fields of a core/v1 Event, read from either API shape. */
interface EventView {
  first: unknown;
  last: unknown;
  eventTime: unknown;
  series: Obj;
  count: unknown;
  kind: string;
  name: string;
  fieldPath: string;
  component: string;
  host: string;
  message: string;
}

function eventRow(o: Obj, e: EventView, now: number): unknown[] {
  const first = e.first ? translateTimestampSince(e.first, now) : translateTimestampSince(e.eventTime, now);
  let last = e.last ? translateTimestampSince(e.last, now) : first;
  let n = int(e.count);
  if (e.series) {
    last = translateTimestampSince(e.series.lastObservedTime, now);
    n = int(e.series.count);
  } else if (n === 0) {
    n = 1; // Singleton events of the new API carry no count.
  }
  const kind = e.kind.toLowerCase();
  const target = e.name ? `${kind}/${e.name}` : kind;
  const source = e.host ? `${e.component}, ${e.host}` : e.component;
  return [last, o?.type ?? '', o?.reason ?? '', target, e.fieldPath, source, e.message.trim(), first, n, o?.metadata?.name ?? ''];
}

export const eventPrinter: Printer = {
  columns: eventColumns,
  cells(o, now) {
    const io = o?.involvedObject ?? {};
    return eventRow(
      o,
      {
        first: o?.firstTimestamp,
        last: o?.lastTimestamp,
        eventTime: o?.eventTime,
        series: o?.series,
        count: o?.count,
        kind: io.kind ?? '',
        name: io.name ?? '',
        fieldPath: io.fieldPath ?? '',
        component: o?.source?.component || o?.reportingComponent || '',
        host: o?.source?.host || o?.reportingInstance || '',
        message: o?.message ?? '',
      },
      now,
    );
  },
};

/** events.k8s.io/v1 Events print through the same columns after mapping their renamed fields. */
export const eventsV1Printer: Printer = {
  columns: eventColumns,
  cells(o, now) {
    const r = o?.regarding ?? {};
    return eventRow(
      o,
      {
        first: o?.deprecatedFirstTimestamp,
        last: o?.deprecatedLastTimestamp,
        eventTime: o?.eventTime,
        series: o?.series,
        count: o?.deprecatedCount,
        kind: r.kind ?? '',
        name: r.name ?? '',
        fieldPath: r.fieldPath ?? '',
        component: o?.deprecatedSource?.component || o?.reportingController || '',
        host: o?.deprecatedSource?.host || o?.reportingInstance || '',
        message: o?.note ?? '',
      },
      now,
    );
  },
};

export const resourceQuotaPrinter: Printer = {
  columns: columns(
    NAME,
    col('Request', 'string', 'Used and hard amounts of non-limit resources.'),
    col('Limit', 'string', 'Used and hard amounts of limits.* resources.'),
    AGE,
  ),
  cells(o, now) {
    const hard = o?.status?.hard ?? {};
    const used = o?.status?.used ?? {};
    const names = Object.keys(hard).sort();
    const requests: string[] = [];
    const limits: string[] = [];
    for (const n of names) {
      const entry = `${n}: ${quantityString(used[n])}/${quantityString(hard[n])}`;
      const dot = n.indexOf('.');
      (dot > 0 && n.slice(0, dot) === 'limits' ? limits : requests).push(entry);
    }
    return [o?.metadata?.name ?? '', requests.join(', '), limits.join(', '), age(o, now)];
  },
};
