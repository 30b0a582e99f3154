// Job and CronJob validation (upstream batch validation), including the Job's server-generated
// selector and CronJob schedule syntax.
import { fieldErrors } from '../errors.js';
import type { KubeObject } from '../object.js';
import { validatePodTemplateSpec } from './pod.js';
import { isEmptySelector, selectorMatches, validateLabelSelector } from './selector.js';
import { type Causes, deepEqual, FIELD_IMMUTABLE, NON_NEGATIVE, obj, type Obj, str } from './field.js';

export const JOB_CONTROLLER_UID_LABEL = 'batch.kubernetes.io/controller-uid';
export const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name';
const LEGACY_CONTROLLER_UID_LABEL = 'controller-uid';
const LEGACY_JOB_NAME_LABEL = 'job-name';
const CRONJOB_NAME_MAX = 52;

function nonNegative(v: unknown, path: string, out: Causes): void {
  if (typeof v === 'number' && v < 0) out.push(fieldErrors.invalid(path, v, NON_NEGATIVE));
}

/**
 * Without manualSelector the server owns the selector: it matches the job's uid, and the
 * template carries the matching labels. Upstream does this right before validation, once the
 * uid is known; callers must run it after the uid is assigned.
 */
export function generateJobSelector(job: KubeObject): void {
  const spec = obj(job.spec);
  const uid = job.metadata.uid;
  if (!spec || !uid || spec.manualSelector === true) return;
  const template = (obj(spec.template) ?? (spec.template = {})) as Obj;
  const meta = (obj(template.metadata) ?? (template.metadata = {})) as Obj;
  const labels = (obj(meta.labels) ?? (meta.labels = {})) as Record<string, string>;
  const name = job.metadata.name ?? '';
  labels[LEGACY_CONTROLLER_UID_LABEL] ??= uid;
  labels[JOB_CONTROLLER_UID_LABEL] ??= uid;
  labels[LEGACY_JOB_NAME_LABEL] ??= name;
  labels[JOB_NAME_LABEL] ??= name;
  if (!obj(spec.selector)) spec.selector = { matchLabels: { [JOB_CONTROLLER_UID_LABEL]: uid } };
}

function validateJobSpec(spec: Obj, path: string, requireSelector: boolean, out: Causes): void {
  nonNegative(spec.parallelism, `${path}.parallelism`, out);
  nonNegative(spec.completions, `${path}.completions`, out);
  nonNegative(spec.activeDeadlineSeconds, `${path}.activeDeadlineSeconds`, out);
  nonNegative(spec.backoffLimit, `${path}.backoffLimit`, out);
  nonNegative(spec.ttlSecondsAfterFinished, `${path}.ttlSecondsAfterFinished`, out);
  const modes = ['NonIndexed', 'Indexed'];
  if (spec.completionMode !== undefined && !modes.includes(str(spec.completionMode) ?? '?')) {
    out.push(fieldErrors.notSupported(`${path}.completionMode`, spec.completionMode, modes));
  }
  if (spec.completionMode === 'Indexed') {
    if (spec.completions === undefined || spec.completions === null) out.push(fieldErrors.required(`${path}.completions`, 'when completion mode is Indexed'));
  }
  const replacement = ['TerminatingOrFailed', 'Failed'];
  if (spec.podReplacementPolicy !== undefined && !replacement.includes(str(spec.podReplacementPolicy) ?? '?')) {
    out.push(fieldErrors.notSupported(`${path}.podReplacementPolicy`, spec.podReplacementPolicy, replacement));
  }
  const selector = obj(spec.selector);
  const template = obj(spec.template);
  if (selector) validateLabelSelector(selector, `${path}.selector`, out);
  else if (requireSelector) out.push(fieldErrors.required(`${path}.selector`));
  const labels = obj(obj(template?.metadata)?.labels) as Record<string, string> | undefined;
  if (selector && !isEmptySelector(selector) && !selectorMatches(selector, labels)) {
    out.push(fieldErrors.invalid(`${path}.template.metadata.labels`, labels ?? {}, '`selector` does not match template `labels`'));
  }
  if (!template) {
    out.push(fieldErrors.required(`${path}.template`));
    return;
  }
  out.push(...validatePodTemplateSpec(template, `${path}.template`));
  const rp = obj(template.spec)?.restartPolicy;
  if (rp !== 'OnFailure' && rp !== 'Never') {
    out.push(fieldErrors.notSupported(`${path}.template.spec.restartPolicy`, rp ?? '', ['OnFailure', 'Never']));
  }
}

export function validateJob(job: KubeObject): Causes {
  const out: Causes = [];
  const spec = obj(job.spec) ?? {};
  validateJobSpec(spec, 'spec', true, out);
  const selector = obj(spec.selector);
  if (spec.manualSelector !== true && selector && job.metadata.uid) {
    const ml = obj(selector.matchLabels) ?? {};
    if (ml[JOB_CONTROLLER_UID_LABEL] !== job.metadata.uid && ml[LEGACY_CONTROLLER_UID_LABEL] !== job.metadata.uid) {
      out.push(fieldErrors.invalid('spec.selector', selector, '`selector` not auto-generated'));
    }
  }
  return out;
}

export function validateJobUpdate(job: KubeObject, old: KubeObject): Causes {
  const out: Causes = [];
  const spec = obj(job.spec) ?? {};
  const oldSpec = obj(old.spec) ?? {};
  if (!deepEqual(spec.selector, oldSpec.selector)) out.push(fieldErrors.invalid('spec.selector', spec.selector ?? null, FIELD_IMMUTABLE));
  if (!deepEqual(spec.completionMode, oldSpec.completionMode)) out.push(fieldErrors.invalid('spec.completionMode', spec.completionMode ?? null, FIELD_IMMUTABLE));
  const indexedScale = spec.completionMode === 'Indexed' && spec.completions === spec.parallelism;
  if (!deepEqual(spec.completions, oldSpec.completions) && !indexedScale) {
    out.push(fieldErrors.invalid('spec.completions', spec.completions ?? null, FIELD_IMMUTABLE));
  }
  // A suspended job that never started may change its template's scheduling directives; the
  // rest of the template is frozen.
  if (!deepEqual(spec.template, oldSpec.template) && !templateOnlySchedulingChanged(spec, oldSpec, old)) {
    out.push(fieldErrors.invalid('spec.template', spec.template ?? null, FIELD_IMMUTABLE));
  }
  return out;
}

const SCHEDULING_FIELDS = ['nodeSelector', 'affinity', 'tolerations', 'schedulingGates'];

function templateOnlySchedulingChanged(spec: Obj, oldSpec: Obj, old: KubeObject): boolean {
  const status = obj(old.status) ?? {};
  if (oldSpec.suspend !== true || status.startTime) return false;
  const a = structuredClone(obj(spec.template) ?? {});
  const b = structuredClone(obj(oldSpec.template) ?? {});
  for (const t of [a, b]) {
    const s = obj(t.spec);
    if (s) for (const f of SCHEDULING_FIELDS) delete s[f];
    const m = obj(t.metadata);
    if (m) { delete m.labels; delete m.annotations; }
  }
  return deepEqual(a, b);
}

const DESCRIPTORS = new Set(['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly']);
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const BOUNDS: [number, number, string[] | null][] = [[0, 59, null], [0, 23, null], [1, 31, null], [1, 12, MONTHS], [0, 6, DAYS]];
const DURATION_RE = /^([0-9]*(\.[0-9]*)?(ns|us|µs|ms|s|m|h))+$/;
const INT_RE = /^[0-9]+$/;

function cronValue(s: string, names: string[] | null, min: number): number | string {
  if (names) {
    const i = names.indexOf(s.toLowerCase());
    if (i >= 0) return i + min;
  }
  if (!INT_RE.test(s)) return `failed to parse int from ${s}: strconv.Atoi: parsing "${s}": invalid syntax`;
  return Number(s);
}

function cronField(field: string, [min, max, names]: [number, number, string[] | null]): string | undefined {
  for (const expr of field.split(',')) {
    const [range, step, extra] = expr.split('/');
    if (extra !== undefined) return `too many slashes: ${expr}`;
    if (step !== undefined && (!INT_RE.test(step) || Number(step) === 0)) {
      return INT_RE.test(step) ? `step of range should be a positive number: ${expr}` : `failed to parse int from ${step}: strconv.Atoi: parsing "${step}": invalid syntax`;
    }
    if (range === '*' || range === '?') continue;
    const bounds = range!.split('-');
    if (bounds.length > 2) return `too many hyphens: ${expr}`;
    const lo = cronValue(bounds[0]!, names, min);
    if (typeof lo === 'string') return lo;
    const hi = bounds.length === 2 ? cronValue(bounds[1]!, names, min) : lo;
    if (typeof hi === 'string') return hi;
    if (lo < min) return `beginning of range (${lo}) below minimum (${min}): ${expr}`;
    if (hi > max) return `end of range (${hi}) above maximum (${max}): ${expr}`;
    if (lo > hi) return `beginning of range (${lo}) beyond end of range (${hi}): ${expr}`;
  }
  return undefined;
}

/** Standard 5-field cron syntax plus descriptors, as the CronJob controller's parser accepts. */
export function cronScheduleError(schedule: string): string | undefined {
  const s = schedule.trim();
  if (s.startsWith('@')) {
    if (DESCRIPTORS.has(s)) return undefined;
    if (s.startsWith('@every ')) {
      const d = s.slice(7).trim();
      return DURATION_RE.test(d) ? undefined : `failed to parse duration ${s}: time: invalid duration "${d}"`;
    }
    return `unrecognized descriptor: ${s}`;
  }
  const fields = s.split(/\s+/).filter((f) => f !== '');
  if (fields.length !== 5) return `expected exactly 5 fields, found ${fields.length}: [${fields.join(' ')}]`;
  for (let i = 0; i < 5; i++) {
    const err = cronField(fields[i]!, BOUNDS[i]!);
    if (err) return err;
  }
  return undefined;
}

export function validateCronJob(cj: KubeObject): Causes {
  const out: Causes = [];
  const name = cj.metadata.name ?? '';
  if (name.length > CRONJOB_NAME_MAX) out.push(fieldErrors.invalid('metadata.name', name, `must be no more than ${CRONJOB_NAME_MAX} characters`));
  const spec = obj(cj.spec) ?? {};
  const schedule = str(spec.schedule) ?? '';
  if (!schedule) out.push(fieldErrors.required('spec.schedule'));
  else if (/^\s*(CRON_)?TZ=/.test(schedule)) out.push(fieldErrors.invalid('spec.schedule', schedule, 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead'));
  else {
    const err = cronScheduleError(schedule);
    if (err) out.push(fieldErrors.invalid('spec.schedule', schedule, err));
  }
  const policies = ['Allow', 'Forbid', 'Replace'];
  if (!spec.concurrencyPolicy) out.push(fieldErrors.required('spec.concurrencyPolicy'));
  else if (!policies.includes(str(spec.concurrencyPolicy) ?? '?')) out.push(fieldErrors.notSupported('spec.concurrencyPolicy', spec.concurrencyPolicy, policies));
  nonNegative(spec.startingDeadlineSeconds, 'spec.startingDeadlineSeconds', out);
  nonNegative(spec.successfulJobsHistoryLimit, 'spec.successfulJobsHistoryLimit', out);
  nonNegative(spec.failedJobsHistoryLimit, 'spec.failedJobsHistoryLimit', out);
  const jt = obj(spec.jobTemplate);
  if (!jt) out.push(fieldErrors.required('spec.jobTemplate'));
  else validateJobSpec(obj(jt.spec) ?? {}, 'spec.jobTemplate.spec', false, out);
  return out;
}
