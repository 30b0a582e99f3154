// The selectors PodTopologySpread's system defaults spread by (upstream's DefaultSelector):
// every Service, ReplicationController, ReplicaSet and StatefulSet in the pod's namespace whose
// selector matches the pod. Compiled selectors are cached per object.
import type { KubeObject } from '../api/object.js';
import { compileRequirements, selectorFromSpec, type LabelPredicate, type LabelSelectorSpec } from '../api/selectors/label-selector.js';
import type { InformerStore } from '../client/informer-types.js';
import type { PodInfo } from './node-info.js';

const NAMESPACE_INDEX = 'namespace';

export interface SelectorSources {
  services?: InformerStore;
  replicationControllers?: InformerStore;
  replicaSets?: InformerStore;
  statefulSets?: InformerStore;
}

const compiled = new WeakMap<KubeObject, LabelPredicate | null>();

function mapSelector(obj: KubeObject): LabelPredicate | null {
  let p = compiled.get(obj);
  if (p === undefined) {
    const sel = (obj as { spec?: { selector?: Record<string, string> } }).spec?.selector;
    p = sel && Object.keys(sel).length ? compileRequirements(Object.entries(sel).map(([key, v]) => ({ key, op: 'in' as const, values: [v] }))) : null;
    compiled.set(obj, p);
  }
  return p;
}

function specSelector(obj: KubeObject): LabelPredicate | null {
  let p = compiled.get(obj);
  if (p === undefined) {
    const sel = (obj as { spec?: { selector?: LabelSelectorSpec } }).spec?.selector;
    const empty = !sel || (!Object.keys(sel.matchLabels ?? {}).length && !(sel.matchExpressions ?? []).length);
    p = empty ? null : selectorFromSpec(sel);
    compiled.set(obj, p);
  }
  return p;
}

export function ownerSelectors(src: SelectorSources, pod: PodInfo): LabelPredicate[] {
  const out: LabelPredicate[] = [];
  const labels = pod.labels;
  if (!labels) return out;
  const visit = (store: InformerStore | undefined, compile: (o: KubeObject) => LabelPredicate | null) => {
    if (!store) return;
    for (const o of store.byIndex(NAMESPACE_INDEX, pod.namespace)) {
      const p = compile(o);
      if (p && p(labels)) out.push(p);
    }
  };
  visit(src.services, mapSelector);
  visit(src.replicationControllers, mapSelector);
  visit(src.replicaSets, specSelector);
  visit(src.statefulSets, specSelector);
  return out;
}
