// PodSecurity admission (validating): Pod Security Standards by namespace labels
// pod-security.kubernetes.io/<mode>[-version]. enforce refuses pods; warn adds Warning headers;
// audit adds audit annotations. Workload resources with a pod template get warnings only, as
// upstream. Reads namespaces through the lookup; never mutates anything.
import type { KubeObject } from '../../../api/object.js';
import type { AdmissionPlugin } from '../../types.js';
import { admissionForbidden, type AdmissionRequest } from '../attributes.js';
import type { ObjectLookup } from '../lookup.js';
import { evaluatePod, formatViolations, type Level } from './checks.js';

const LABEL_PREFIX = 'pod-security.kubernetes.io/';
const LEVELS = new Set(['privileged', 'baseline', 'restricted']);

/** Resources whose pod template is checked for warnings (group/plural → path to the template). */
const TEMPLATE_PATHS: Record<string, string[]> = {
  '/replicationcontrollers': ['spec', 'template'],
  '/podtemplates': ['template'],
  'apps/replicasets': ['spec', 'template'],
  'apps/deployments': ['spec', 'template'],
  'apps/statefulsets': ['spec', 'template'],
  'apps/daemonsets': ['spec', 'template'],
  'batch/jobs': ['spec', 'template'],
  'batch/cronjobs': ['spec', 'jobTemplate', 'spec', 'template'],
};

export interface PolicyMode {
  level: Level;
  version: string;
}

export interface NamespacePolicy {
  enforce: PolicyMode;
  warn: PolicyMode;
  audit: PolicyMode;
}

export interface PodSecurityDefaults {
  /** Cluster default levels (AdmissionConfiguration PodSecurityConfiguration defaults); privileged when unset. */
  enforce?: Level;
  warn?: Level;
  audit?: Level;
  /** Namespaces exempt from every mode (exemptions.namespaces). */
  exemptNamespaces?: string[];
  /** Usernames exempt (exemptions.usernames). */
  exemptUsers?: string[];
}

export function namespacePolicy(labels: Record<string, string> | undefined, defaults: PodSecurityDefaults = {}): NamespacePolicy {
  const mode = (m: 'enforce' | 'warn' | 'audit'): PolicyMode => {
    const l = labels?.[LABEL_PREFIX + m];
    const level = (l && LEVELS.has(l) ? l : defaults[m] ?? 'privileged') as Level;
    const v = labels?.[`${LABEL_PREFIX}${m}-version`];
    return { level, version: v && /^v1\.\d+$/.test(v) ? v : 'latest' };
  };
  return { enforce: mode('enforce'), warn: mode('warn'), audit: mode('audit') };
}

function dig(obj: any, path: readonly string[]): any {
  let cur = obj;
  for (const p of path) cur = cur?.[p];
  return cur;
}

export class PodSecurity implements AdmissionPlugin {
  readonly name = 'PodSecurity';
  constructor(private readonly lookup: ObjectLookup, private readonly defaults: PodSecurityDefaults = {}) {}

  async validate(a: AdmissionRequest): Promise<void> {
    if (!a.object || !a.namespace || (a.operation !== 'CREATE' && a.operation !== 'UPDATE')) return;
    const key = `${a.info.group}/${a.info.plural}`;
    const isPod = key === '/pods';
    const templatePath = TEMPLATE_PATHS[key];
    if (!isPod && !templatePath) return;
    if (a.subresource && !(isPod && a.subresource === 'ephemeralcontainers')) return;
    if (this.defaults.exemptNamespaces?.includes(a.namespace) || this.defaults.exemptUsers?.includes(a.user.username)) return;

    let meta: any;
    let spec: any;
    if (isPod) {
      meta = a.object.metadata;
      spec = (a.object as any).spec;
      // Updates that leave the pod spec alone (labels, status, finalizers) are not re-evaluated.
      if (a.operation === 'UPDATE' && a.oldObject && JSON.stringify((a.oldObject as any).spec) === JSON.stringify(spec)) return;
    } else {
      const template = dig(a.object, templatePath!);
      if (!template) return;
      meta = template.metadata;
      spec = template.spec;
    }
    const ns = await this.lookup.get('', 'namespaces', '', a.namespace);
    const policy = namespacePolicy((ns as KubeObject | undefined)?.metadata.labels, this.defaults);
    const cache = new Map<Level, string>();
    const violations = (level: Level) => {
      let v = cache.get(level);
      if (v === undefined) cache.set(level, (v = formatViolations(evaluatePod(level, meta, spec))));
      return v;
    };
    const label = (m: PolicyMode) => `${m.level}:${m.version}`;

    if (isPod) {
      const enforced = violations(policy.enforce.level);
      if (enforced) throw admissionForbidden(a, `violates PodSecurity "${label(policy.enforce)}": ${enforced}`);
    } else if (policy.enforce.level !== 'privileged') {
      const enforced = violations(policy.enforce.level);
      if (enforced) a.warnings?.push(`would violate PodSecurity "${label(policy.enforce)}": ${enforced}`);
    }
    const warned = violations(policy.warn.level);
    // A warn level equal to the enforce level would repeat what enforce already said.
    if (warned && !(!isPod && policy.warn.level === policy.enforce.level && policy.warn.version === policy.enforce.version)) {
      a.warnings?.push(`would violate PodSecurity "${label(policy.warn)}": ${warned}`);
    }
    const audited = violations(policy.audit.level);
    if (audited && a.auditAnnotations) a.auditAnnotations['pod-security.kubernetes.io/audit-violations'] = `would violate PodSecurity "${label(policy.audit)}": ${audited}`;
  }
}
