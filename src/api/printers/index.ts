// Server-side printing: turns API objects into meta.k8s.io/v1 Tables, the column layout kubectl
// shows for `get` (it builds no columns of its own). Owns the per-kind columns and cell formulas
// of upstream's printers, CRD additionalPrinterColumns and the Table envelope. It never reads the
// store, never negotiates content types, and never mutates the objects it prints.
import { apiServicePrinter } from './apiservices.js';
import {
  certificateSigningRequestPrinter,
  clusterRoleBindingPrinter,
  createdAtPrinter,
  csiDriverPrinter,
  csiNodePrinter,
  horizontalPodAutoscalerPrinter,
  leasePrinter,
  nameAgePrinter,
  podDisruptionBudgetPrinter,
  priorityClassPrinter,
  roleBindingPrinter,
  runtimeClassPrinter,
  storageClassPrinter,
  volumeAttachmentPrinter,
  webhookConfigurationPrinter,
} from './cluster.js';
import {
  configMapPrinter,
  eventPrinter,
  eventsV1Printer,
  namespacePrinter,
  nodePrinter,
  persistentVolumeClaimPrinter,
  persistentVolumePrinter,
  resourceQuotaPrinter,
  secretPrinter,
  serviceAccountPrinter,
} from './core.js';
import {
  endpointSlicePrinter,
  endpointsPrinter,
  ingressClassPrinter,
  ingressPrinter,
  networkPolicyPrinter,
  servicePrinter,
} from './network.js';
import { podPrinter } from './pod.js';
import type { KubeObject } from '../object.js';
import type { Obj, Printer, Table, TableColumnDefinition, TableRow } from './types.js';
import {
  controllerRevisionPrinter,
  cronJobPrinter,
  daemonSetPrinter,
  deploymentPrinter,
  jobPrinter,
  podTemplatePrinter,
  replicaSetPrinter,
  replicationControllerPrinter,
  statefulSetPrinter,
} from './workloads.js';

export type { Printer, Table, TableColumnDefinition, TableRow, TableRowCondition, PartialObjectMetadata } from './types.js';
export { humanDuration, translateTimestampSince } from './duration.js';
export { crdColumns, crdPrinter, type CustomResourceColumnDefinition } from './crd.js';
export { compileJSONPath, evaluateJSONPath, JSONPathError, type CompiledPath } from './jsonpath.js';
export { podSummary } from './pod.js';

const PRINTERS = new Map<string, Printer>([
  ['/Pod', podPrinter],
  ['/PodTemplate', podTemplatePrinter],
  ['/ReplicationController', replicationControllerPrinter],
  ['/Service', servicePrinter],
  ['/Endpoints', endpointsPrinter],
  ['/Node', nodePrinter],
  ['/ConfigMap', configMapPrinter],
  ['/Secret', secretPrinter],
  ['/ServiceAccount', serviceAccountPrinter],
  ['/Namespace', namespacePrinter],
  ['/PersistentVolume', persistentVolumePrinter],
  ['/PersistentVolumeClaim', persistentVolumeClaimPrinter],
  ['/Event', eventPrinter],
  ['/LimitRange', createdAtPrinter],
  ['/ResourceQuota', resourceQuotaPrinter],
  ['events.k8s.io/Event', eventsV1Printer],
  ['apps/Deployment', deploymentPrinter],
  ['apps/ReplicaSet', replicaSetPrinter],
  ['apps/StatefulSet', statefulSetPrinter],
  ['apps/DaemonSet', daemonSetPrinter],
  ['apps/ControllerRevision', controllerRevisionPrinter],
  ['batch/Job', jobPrinter],
  ['batch/CronJob', cronJobPrinter],
  ['networking.k8s.io/Ingress', ingressPrinter],
  ['networking.k8s.io/IngressClass', ingressClassPrinter],
  ['networking.k8s.io/NetworkPolicy', networkPolicyPrinter],
  ['discovery.k8s.io/EndpointSlice', endpointSlicePrinter],
  ['storage.k8s.io/StorageClass', storageClassPrinter],
  ['storage.k8s.io/CSIDriver', csiDriverPrinter],
  ['storage.k8s.io/CSINode', csiNodePrinter],
  ['storage.k8s.io/VolumeAttachment', volumeAttachmentPrinter],
  ['rbac.authorization.k8s.io/Role', createdAtPrinter],
  ['rbac.authorization.k8s.io/ClusterRole', createdAtPrinter],
  ['rbac.authorization.k8s.io/RoleBinding', roleBindingPrinter],
  ['rbac.authorization.k8s.io/ClusterRoleBinding', clusterRoleBindingPrinter],
  ['coordination.k8s.io/Lease', leasePrinter],
  ['autoscaling/HorizontalPodAutoscaler', horizontalPodAutoscalerPrinter],
  ['policy/PodDisruptionBudget', podDisruptionBudgetPrinter],
  ['certificates.k8s.io/CertificateSigningRequest', certificateSigningRequestPrinter],
  ['apiextensions.k8s.io/CustomResourceDefinition', createdAtPrinter],
  ['apiregistration.k8s.io/APIService', apiServicePrinter],
  ['scheduling.k8s.io/PriorityClass', priorityClassPrinter],
  ['node.k8s.io/RuntimeClass', runtimeClassPrinter],
  ['admissionregistration.k8s.io/MutatingWebhookConfiguration', webhookConfigurationPrinter],
  ['admissionregistration.k8s.io/ValidatingWebhookConfiguration', webhookConfigurationPrinter],
]);

/** The printer for a built-in kind; Name + Age for kinds k8ts has no printer for. */
export function printerFor(group: string, kind: string): Printer {
  return PRINTERS.get(group + '/' + kind) ?? nameAgePrinter;
}

/** True when a built-in printer exists for the kind (false means the Name + Age fallback). */
export function hasPrinter(group: string, kind: string): boolean {
  return PRINTERS.has(group + '/' + kind);
}

/** Column definitions (all priorities) for a kind. The array is shared and frozen. */
export function columnsFor(group: string, kind: string): readonly TableColumnDefinition[] {
  return printerFor(group, kind).columns;
}

/** The cells of one object's row (wide: every column, in column order). */
export function rowCells(group: string, kind: string, obj: KubeObject, now: Date): unknown[] {
  return printerFor(group, kind).cells(obj, now.getTime());
}

export type IncludeObject = 'None' | 'Metadata' | 'Object';

export interface BuildTableOptions {
  group: string;
  kind: string;
  objects: readonly KubeObject[];
  now: Date;
  /** What each row's `object` carries; upstream's default is Metadata. */
  includeObject?: IncludeObject;
  resourceVersion?: string;
  continue?: string;
  remainingItemCount?: number;
  /** Send no column definitions (watch events after the first, or `noHeaders`). */
  omitColumns?: boolean;
  /** Overrides the built-in printer, e.g. `crdPrinter(version.additionalPrinterColumns)`. */
  printer?: Printer;
}

const NO_COLUMNS: readonly TableColumnDefinition[] = Object.freeze([]);

/** Build the meta.k8s.io/v1 Table for a list (or a single object given as a one-item list). */
export function buildTable(opts: BuildTableOptions): Table {
  const printer = opts.printer ?? printerFor(opts.group, opts.kind);
  const nowMs = opts.now.getTime();
  const include = opts.includeObject ?? 'Metadata';
  const objects = opts.objects;
  const rows: TableRow[] = new Array(objects.length);
  for (let i = 0; i < objects.length; i++) {
    const obj = objects[i] as Obj;
    const row: TableRow = { cells: printer.cells(obj, nowMs) };
    const conditions = printer.conditions?.(obj);
    if (conditions) row.conditions = conditions;
    if (include === 'Metadata') {
      row.object = { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata };
    } else if (include === 'Object') {
      row.object = obj;
    }
    rows[i] = row;
  }
  const metadata: Table['metadata'] = {};
  if (opts.resourceVersion !== undefined) metadata.resourceVersion = opts.resourceVersion;
  if (opts.continue) metadata.continue = opts.continue;
  if (opts.remainingItemCount !== undefined) metadata.remainingItemCount = opts.remainingItemCount;
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata,
    columnDefinitions: opts.omitColumns ? NO_COLUMNS : printer.columns,
    rows,
  };
}
