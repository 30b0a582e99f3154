// Which webhooks a request reaches: rules (operations, groups, versions, resources with
// subresource wildcards, scope), namespaceSelector and objectSelector, as upstream's
// admission/plugin/webhook/predicates. Pure functions.
import type { KubeObject } from '../../../api/object.js';
import { selectorFromSpec, type LabelSelectorSpec } from '../../../api/selectors/label-selector.js';
import type { AdmissionAttributes } from '../../types.js';

export interface RuleWithOperations {
  operations?: string[];
  apiGroups?: string[];
  apiVersions?: string[];
  resources?: string[];
  scope?: 'Cluster' | 'Namespaced' | '*';
}

export interface WebhookClientConfig {
  url?: string;
  service?: { namespace: string; name: string; path?: string; port?: number };
  caBundle?: string;
}

/** One entry of webhooks[] in a Mutating/ValidatingWebhookConfiguration, with v1 defaults applied. */
export interface Webhook {
  name: string;
  clientConfig: WebhookClientConfig;
  rules: RuleWithOperations[];
  failurePolicy: 'Fail' | 'Ignore';
  namespaceSelector?: LabelSelectorSpec;
  objectSelector?: LabelSelectorSpec;
  sideEffects: string;
  timeoutSeconds: number;
  admissionReviewVersions: string[];
  reinvocationPolicy?: 'Never' | 'IfNeeded';
  /** Name of the configuration object, for logs. */
  configuration: string;
}

export function webhooksOf(config: KubeObject): Webhook[] {
  const list: any[] = (config as any).webhooks ?? [];
  return list.map((w) => ({
    name: w.name,
    clientConfig: w.clientConfig ?? {},
    rules: w.rules ?? [],
    failurePolicy: w.failurePolicy === 'Ignore' ? 'Ignore' : 'Fail',
    namespaceSelector: w.namespaceSelector,
    objectSelector: w.objectSelector,
    sideEffects: w.sideEffects ?? 'None',
    timeoutSeconds: Math.min(Math.max(w.timeoutSeconds ?? 10, 1), 30),
    admissionReviewVersions: w.admissionReviewVersions ?? ['v1'],
    reinvocationPolicy: w.reinvocationPolicy,
    configuration: config.metadata.name ?? '',
  }));
}

const matchesAny = (list: readonly string[] | undefined, value: string) => !!list && (list.includes('*') || list.includes(value));

function resourceMatches(patterns: readonly string[] | undefined, resource: string, subresource: string): boolean {
  for (const p of patterns ?? []) {
    if (p === '*/*') return true;
    const [res, sub = ''] = p.split('/') as [string, string?];
    if (res === '*' && sub === '' && subresource === '') return true;
    if ((res === '*' || res === resource) && (sub === '*' || sub === subresource)) return true;
  }
  return false;
}

export function ruleMatches(rule: RuleWithOperations, a: AdmissionAttributes): boolean {
  if (!matchesAny(rule.operations, a.operation)) return false;
  if (!matchesAny(rule.apiGroups, a.info.group)) return false;
  if (!matchesAny(rule.apiVersions, a.info.version)) return false;
  if (!resourceMatches(rule.resources, a.info.plural, a.subresource)) return false;
  const scope = rule.scope ?? '*';
  if (scope === 'Cluster' && a.info.namespaced) return false;
  if (scope === 'Namespaced' && !a.info.namespaced) return false;
  return true;
}

/** Labels the objectSelector is matched against: the new object's, else the old one's. */
export function objectSelectorMatches(sel: LabelSelectorSpec | undefined, a: AdmissionAttributes): boolean {
  if (!sel || (!sel.matchLabels && !sel.matchExpressions)) return true;
  const pred = selectorFromSpec(sel);
  return (!!a.object && pred(a.object.metadata.labels)) || (!!a.oldObject && pred(a.oldObject.metadata.labels));
}

/**
 * namespaceSelector: cluster-scoped objects always match (except Namespaces, matched on their own
 * labels); namespaced ones match on their namespace's labels.
 */
export function namespaceSelectorMatches(sel: LabelSelectorSpec | undefined, a: AdmissionAttributes, namespaceLabels: Record<string, string> | undefined): boolean {
  if (!sel || (!sel.matchLabels && !sel.matchExpressions)) return true;
  const pred = selectorFromSpec(sel);
  if (a.info.group === '' && a.info.plural === 'namespaces') return pred((a.object ?? a.oldObject)?.metadata.labels);
  if (!a.info.namespaced) return true;
  return pred(namespaceLabels);
}

/** Requests webhooks never see: their own configurations (so a broken webhook cannot lock itself in). */
export function exemptFromWebhooks(a: AdmissionAttributes): boolean {
  return a.info.group === 'admissionregistration.k8s.io' && (a.info.plural === 'mutatingwebhookconfigurations' || a.info.plural === 'validatingwebhookconfigurations' || a.info.plural === 'validatingadmissionpolicies' || a.info.plural === 'validatingadmissionpolicybindings');
}
