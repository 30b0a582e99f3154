// The pod a controller creates from its template (upstream GetPodFromTemplate).
import type { KubeObject, OwnerReference } from '../../api/object.js';
import type { Pod, PodTemplateSpec } from './types.js';

export function podFromTemplate(template: PodTemplateSpec, owner: KubeObject, ref: OwnerReference | undefined): Pod {
  const tm = template.metadata ?? {};
  const metadata: Pod['metadata'] = { generateName: `${owner.metadata.name}-` };
  if (tm.labels) metadata.labels = { ...tm.labels };
  if (tm.annotations) metadata.annotations = { ...tm.annotations };
  if (tm.finalizers?.length) metadata.finalizers = [...tm.finalizers];
  if (ref) metadata.ownerReferences = [ref];
  return { apiVersion: 'v1', kind: 'Pod', metadata, spec: structuredClone(template.spec ?? {}) };
}
