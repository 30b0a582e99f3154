// DefaultIngressClass admission (mutating): an Ingress created without spec.ingressClassName (and
// without the legacy kubernetes.io/ingress.class annotation) gets the cluster's default IngressClass,
// so `kubectl get ingress` shows the class that serves it.
import type { KubeObject } from '../../api/object.js';
import type { AdmissionPlugin } from '../types.js';
import { isResource, type AdmissionRequest } from './attributes.js';
import type { ObjectLookup } from './lookup.js';

export const IS_DEFAULT_INGRESS_CLASS = 'ingressclass.kubernetes.io/is-default-class';
const LEGACY_CLASS_ANNOTATION = 'kubernetes.io/ingress.class';

/** The default class: the newest one annotated is-default-class=true when several are. */
export function defaultIngressClass(classes: readonly KubeObject[]): KubeObject | undefined {
  let best: KubeObject | undefined;
  for (const c of classes) {
    if (c.metadata.annotations?.[IS_DEFAULT_INGRESS_CLASS] !== 'true') continue;
    if (!best || (c.metadata.creationTimestamp ?? '') > (best.metadata.creationTimestamp ?? '')) best = c;
  }
  return best;
}

export class DefaultIngressClass implements AdmissionPlugin {
  readonly name = 'DefaultIngressClass';
  constructor(private readonly lookup: ObjectLookup) {}

  async admit(a: AdmissionRequest): Promise<void> {
    if (a.operation !== 'CREATE' || !isResource(a, 'networking.k8s.io', 'ingresses') || !a.object) return;
    const spec = ((a.object as any).spec ??= {});
    if (spec.ingressClassName != null || a.object.metadata.annotations?.[LEGACY_CLASS_ANNOTATION] !== undefined) return;
    const cls = defaultIngressClass(await this.lookup.list('networking.k8s.io', 'ingressclasses', ''));
    if (cls) spec.ingressClassName = cls.metadata.name;
  }
}
