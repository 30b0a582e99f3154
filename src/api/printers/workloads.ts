// Rows for workload controllers (apps, batch, core ReplicationController and PodTemplate).
import { AGE, CONTAINERS, IMAGES, NAME, SELECTOR, col, columns } from './columns.js';
import { humanDuration, timestampMs, translateTimestampSince } from './duration.js';
import { containerCells, formatLabelSelector, formatLabels, int, labelSelectorString } from './format.js';
import type { Obj, Printer } from './types.js';

const age = (o: Obj, nowMs: number) => translateTimestampSince(o?.metadata?.creationTimestamp, nowMs);
const templateContainers = (o: Obj) => containerCells(o?.spec?.template?.spec?.containers);

export const deploymentPrinter: Printer = {
  columns: columns(
    NAME,
    col('Ready', 'string', 'Ready pods out of desired replicas.'),
    col('Up-to-date', 'string', 'Pods running the latest pod template.'),
    col('Available', 'string', 'Pods available to serve.'),
    AGE,
    CONTAINERS,
    IMAGES,
    SELECTOR(),
  ),
  cells(o, now) {
    const [names, images] = templateContainers(o);
    const sel = labelSelectorString(o?.spec?.selector);
    return [
      o?.metadata?.name ?? '',
      `${int(o?.status?.readyReplicas)}/${int(o?.spec?.replicas)}`,
      int(o?.status?.updatedReplicas),
      int(o?.status?.availableReplicas),
      age(o, now),
      names,
      images,
      sel === null ? '<invalid>' : sel,
    ];
  },
};

export const replicaSetPrinter: Printer = {
  columns: columns(
    NAME,
    col('Desired', 'integer', 'Desired number of pods.'),
    col('Current', 'integer', 'Pods currently created.'),
    col('Ready', 'integer', 'Pods that are ready.'),
    AGE,
    CONTAINERS,
    IMAGES,
    SELECTOR(),
  ),
  cells(o, now) {
    const [names, images] = templateContainers(o);
    return [
      o?.metadata?.name ?? '',
      int(o?.spec?.replicas),
      int(o?.status?.replicas),
      int(o?.status?.readyReplicas),
      age(o, now),
      names,
      images,
      formatLabelSelector(o?.spec?.selector),
    ];
  },
};

export const replicationControllerPrinter: Printer = {
  columns: replicaSetPrinter.columns,
  cells(o, now) {
    const [names, images] = templateContainers(o);
    return [
      o?.metadata?.name ?? '',
      int(o?.spec?.replicas),
      int(o?.status?.replicas),
      int(o?.status?.readyReplicas),
      age(o, now),
      names,
      images,
      formatLabels(o?.spec?.selector),
    ];
  },
};

export const statefulSetPrinter: Printer = {
  columns: columns(NAME, col('Ready', 'string', 'Ready pods out of desired replicas.'), AGE, CONTAINERS, IMAGES),
  cells(o, now) {
    const [names, images] = templateContainers(o);
    return [
      o?.metadata?.name ?? '',
      `${int(o?.status?.readyReplicas)}/${int(o?.spec?.replicas)}`,
      age(o, now),
      names,
      images,
    ];
  },
};

export const daemonSetPrinter: Printer = {
  columns: columns(
    NAME,
    col('Desired', 'integer', 'Nodes that should run the daemon pod.'),
    col('Current', 'integer', 'Nodes running at least one daemon pod.'),
    col('Ready', 'integer', 'Nodes whose daemon pod is ready.'),
    col('Up-to-date', 'integer', 'Nodes running the latest daemon pod template.'),
    col('Available', 'integer', 'Nodes whose daemon pod is available.'),
    col('Node Selector', 'string', 'Node labels the daemon pods are restricted to.'),
    AGE,
    CONTAINERS,
    IMAGES,
    SELECTOR(),
  ),
  cells(o, now) {
    const [names, images] = templateContainers(o);
    const s = o?.status ?? {};
    return [
      o?.metadata?.name ?? '',
      int(s.desiredNumberScheduled),
      int(s.currentNumberScheduled),
      int(s.numberReady),
      int(s.updatedNumberScheduled),
      int(s.numberAvailable),
      formatLabels(o?.spec?.template?.spec?.nodeSelector),
      age(o, now),
      names,
      images,
      formatLabelSelector(o?.spec?.selector),
    ];
  },
};

/** `statefulset.apps/web` from the controller owner reference, or `<none>`. */
function controllerName(o: Obj): string {
  const refs = o?.metadata?.ownerReferences;
  if (!Array.isArray(refs)) return '<none>';
  const ref = refs.find((r: Obj) => r?.controller === true);
  if (!ref) return '<none>';
  const kind: string = ref.kind ?? '';
  if (kind === '') return ref.name ?? '';
  const apiVersion: string = ref.apiVersion ?? '';
  const slash = apiVersion.indexOf('/');
  const group = slash >= 0 ? apiVersion.slice(0, slash) : '';
  return (group ? `${kind}.${group}` : kind).toLowerCase() + '/' + (ref.name ?? '');
}

export const controllerRevisionPrinter: Printer = {
  columns: columns(
    NAME,
    col('Controller', 'string', 'Object that owns this revision.'),
    col('Revision', 'string', 'Revision number of the recorded state.'),
    AGE,
  ),
  cells(o, now) {
    return [o?.metadata?.name ?? '', controllerName(o), int(o?.revision), age(o, now)];
  },
};

function jobCondition(o: Obj, type: string): boolean {
  const conds = o?.status?.conditions;
  if (!Array.isArray(conds)) return false;
  for (const c of conds) if (c?.type === type) return c.status === 'True';
  return false;
}

function jobStatus(o: Obj): string {
  if (jobCondition(o, 'Complete')) return 'Complete';
  if (jobCondition(o, 'Failed')) return 'Failed';
  if (o?.metadata?.deletionTimestamp) return 'Terminating';
  if (jobCondition(o, 'Suspended')) return 'Suspended';
  if (jobCondition(o, 'FailureTarget')) return 'FailureTarget';
  return 'Running';
}

function jobCompletions(o: Obj): string {
  const succeeded = int(o?.status?.succeeded);
  const completions = o?.spec?.completions;
  if (typeof completions === 'number') return `${succeeded}/${completions}`;
  const parallelism = int(o?.spec?.parallelism);
  return parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`;
}

function jobDuration(o: Obj, nowMs: number): string {
  const start = timestampMs(o?.status?.startTime);
  if (Number.isNaN(start)) return '';
  const end = timestampMs(o?.status?.completionTime);
  return humanDuration((Number.isNaN(end) ? nowMs : end) - start);
}

export const jobPrinter: Printer = {
  columns: columns(
    NAME,
    col('Status', 'string', 'Summary of the job conditions.'),
    col('Completions', 'string', 'Succeeded pods out of required completions.'),
    col('Duration', 'string', 'Time the job took, or has been running.'),
    AGE,
    CONTAINERS,
    IMAGES,
    SELECTOR(),
  ),
  cells(o, now) {
    const [names, images] = templateContainers(o);
    return [
      o?.metadata?.name ?? '',
      jobStatus(o),
      jobCompletions(o),
      jobDuration(o, now),
      age(o, now),
      names,
      images,
      formatLabelSelector(o?.spec?.selector),
    ];
  },
};

export const cronJobPrinter: Printer = {
  columns: columns(
    NAME,
    col('Schedule', 'string', 'Cron schedule of the job.'),
    col('Timezone', 'string', 'Time zone the schedule is read in.'),
    col('Suspend', 'boolean', 'Whether new runs are suspended.'),
    col('Active', 'integer', 'Jobs currently running.'),
    col('Last Schedule', 'string', 'Time since a job was last scheduled.'),
    AGE,
    CONTAINERS,
    IMAGES,
    SELECTOR(),
  ),
  cells(o, now) {
    const jobSpec = o?.spec?.jobTemplate?.spec;
    const [names, images] = containerCells(jobSpec?.template?.spec?.containers);
    const suspend = o?.spec?.suspend;
    const last = o?.status?.lastScheduleTime;
    return [
      o?.metadata?.name ?? '',
      o?.spec?.schedule ?? '',
      typeof o?.spec?.timeZone === 'string' ? o.spec.timeZone : '<none>',
      suspend === true ? 'True' : suspend === false ? 'False' : '<unset>',
      Array.isArray(o?.status?.active) ? o.status.active.length : 0,
      last ? translateTimestampSince(last, now) : '<none>',
      age(o, now),
      names,
      images,
      formatLabelSelector(jobSpec?.selector),
    ];
  },
};

export const podTemplatePrinter: Printer = {
  columns: columns(
    NAME,
    col('Containers', 'string', 'Container names in the template.'),
    col('Images', 'string', 'Container images in the template.'),
    col('Pod Labels', 'string', 'Labels the template gives its pods.'),
  ),
  cells(o) {
    const [names, images] = containerCells(o?.template?.spec?.containers);
    return [o?.metadata?.name ?? '', names, images, formatLabels(o?.template?.metadata?.labels)];
  },
};
