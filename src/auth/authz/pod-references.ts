// What a pod makes its node need: the Secrets, ConfigMaps, PVCs and ServiceAccount it references.
// Pure; the Node authorizer asks this of every pod bound to the requesting node.
import type { KubeObject } from '../../api/object.js';

export interface PodReferences {
  secrets: string[];
  configMaps: string[];
  pvcs: string[];
  serviceAccount: string;
}

export function podReferences(pod: KubeObject): PodReferences {
  const spec = (pod as any).spec ?? {};
  const secrets: string[] = [];
  const configMaps: string[] = [];
  const pvcs: string[] = [];
  for (const s of spec.imagePullSecrets ?? []) if (s?.name) secrets.push(s.name);
  for (const v of spec.volumes ?? []) {
    if (v.secret?.secretName) secrets.push(v.secret.secretName);
    if (v.configMap?.name) configMaps.push(v.configMap.name);
    if (v.persistentVolumeClaim?.claimName) pvcs.push(v.persistentVolumeClaim.claimName);
    if (v.ephemeral) pvcs.push(`${pod.metadata.name}-${v.name}`);
    for (const src of v.projected?.sources ?? []) {
      if (src.secret?.name) secrets.push(src.secret.name);
      if (src.configMap?.name) configMaps.push(src.configMap.name);
    }
    // Volume plugins that take credentials (csi, cephfs, rbd, iscsi, azureFile, flexVolume...).
    for (const key of Object.keys(v)) {
      const src = v[key];
      if (src && typeof src === 'object') {
        if (src.secretRef?.name) secrets.push(src.secretRef.name);
        if (typeof src.secretName === 'string' && key !== 'secret') secrets.push(src.secretName);
        for (const k of ['nodePublishSecretRef', 'controllerPublishSecretRef', 'nodeStageSecretRef']) if (src[k]?.name) secrets.push(src[k].name);
      }
    }
  }
  for (const list of [spec.initContainers, spec.containers, spec.ephemeralContainers]) {
    for (const c of list ?? []) {
      for (const e of c.env ?? []) {
        const vf = e.valueFrom;
        if (vf?.secretKeyRef?.name) secrets.push(vf.secretKeyRef.name);
        if (vf?.configMapKeyRef?.name) configMaps.push(vf.configMapKeyRef.name);
      }
      for (const ef of c.envFrom ?? []) {
        if (ef.secretRef?.name) secrets.push(ef.secretRef.name);
        if (ef.configMapRef?.name) configMaps.push(ef.configMapRef.name);
      }
    }
  }
  return { secrets, configMaps, pvcs, serviceAccount: spec.serviceAccountName || 'default' };
}
