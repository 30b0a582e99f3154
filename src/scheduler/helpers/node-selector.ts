// Node selector matching (nodeSelector map, NodeSelectorTerms with matchExpressions/matchFields),
// compiled once per pod: the required part is what NodeAffinity filters on and what
// PodTopologySpread's nodeAffinityPolicy=Honor honours.
import type { Labels } from '../../api/selectors/label-selector.js';
import type { NodeSelectorRequirement, NodeSelectorTerm, Pod } from '../api-types.js';
import type { NodeInfo } from '../node-info.js';

export type NodeMatcher = (node: NodeInfo) => boolean;

function requirementMatches(r: NodeSelectorRequirement, v: string | undefined): boolean {
  const values = r.values ?? [];
  switch (r.operator) {
    case 'In':
      return v !== undefined && values.includes(v);
    case 'NotIn':
      return v === undefined || !values.includes(v);
    case 'Exists':
      return v !== undefined;
    case 'DoesNotExist':
      return v === undefined;
    case 'Gt':
    case 'Lt': {
      if (v === undefined || values.length !== 1) return false;
      const a = Number.parseInt(v, 10);
      const b = Number.parseInt(values[0]!, 10);
      if (!Number.isInteger(a) || !Number.isInteger(b)) return false;
      return r.operator === 'Gt' ? a > b : a < b;
    }
    default:
      return false;
  }
}

/** A term with neither expressions nor fields matches no node, as upstream. */
export function termMatchesNode(term: NodeSelectorTerm, labels: Labels, nodeName: string): boolean {
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return false;
  for (const r of exprs) if (!requirementMatches(r, labels?.[r.key])) return false;
  for (const r of fields) {
    if (r.key !== 'metadata.name') return false;
    if (!requirementMatches(r, nodeName)) return false;
  }
  return true;
}

const always: NodeMatcher = () => true;

/** nodeSelector AND any of requiredDuringScheduling's nodeSelectorTerms. */
export function requiredNodeAffinity(pod: Pod): NodeMatcher {
  const sel = pod.spec.nodeSelector;
  const required = pod.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  const selKeys = sel ? Object.keys(sel) : [];
  if (selKeys.length === 0 && !required) return always;
  const terms = required?.nodeSelectorTerms;
  return (node) => {
    const labels = node.labels;
    for (const k of selKeys) if (labels?.[k] !== sel![k]) return false;
    if (!required) return true;
    if (!terms?.length) return false;
    for (const t of terms) if (termMatchesNode(t, labels, node.name)) return true;
    return false;
  };
}
