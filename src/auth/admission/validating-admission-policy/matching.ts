// Which requests a policy's matchConstraints (and a binding's matchResources) select:
// namespaceSelector, objectSelector, excludeResourceRules, then resourceRules with resourceNames,
// as upstream's admission/plugin/policy/matching. matchPolicy Equivalent is not applied (k8ts
// serves each resource under one version, so Exact and Equivalent agree). Pure functions.
import type { LabelSelectorSpec } from '../../../api/selectors/label-selector.js';
import type { AdmissionAttributes } from '../../types.js';
import { namespaceSelectorMatches, objectSelectorMatches, ruleMatches, type RuleWithOperations } from '../webhook/matching.js';

export interface NamedRuleWithOperations extends RuleWithOperations {
  resourceNames?: string[];
}

export interface MatchResources {
  namespaceSelector?: LabelSelectorSpec;
  objectSelector?: LabelSelectorSpec;
  resourceRules?: NamedRuleWithOperations[];
  excludeResourceRules?: NamedRuleWithOperations[];
  matchPolicy?: 'Exact' | 'Equivalent';
}

function matchesRules(rules: readonly NamedRuleWithOperations[], a: AdmissionAttributes): boolean {
  for (const rule of rules) {
    if (!ruleMatches(rule, a)) continue;
    if (!rule.resourceNames?.length || rule.resourceNames.includes(a.name)) return true;
  }
  return false;
}

/** Whether the request is selected; namespaceLabels are the labels of the request's namespace. */
export function matchResources(m: MatchResources | undefined, a: AdmissionAttributes, namespaceLabels: Record<string, string> | undefined): boolean {
  if (!m) return true;
  if (!namespaceSelectorMatches(m.namespaceSelector, a, namespaceLabels)) return false;
  if (!objectSelectorMatches(m.objectSelector, a)) return false;
  if (m.excludeResourceRules?.length && matchesRules(m.excludeResourceRules, a)) return false;
  // An empty rule list selects every resource (upstream), which matters for bindings.
  return !m.resourceRules?.length || matchesRules(m.resourceRules, a);
}

/** Whether the selectors need the namespace's labels (so the caller reads the Namespace only then). */
export function needsNamespaceLabels(m: MatchResources | undefined): boolean {
  const s = m?.namespaceSelector;
  return !!s && (!!s.matchLabels || !!s.matchExpressions);
}
