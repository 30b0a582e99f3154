// The pod shape the kubelet's pod code reads: the API object with its spec and status left as
// plain JSON (fields are read defensively, as they come off the wire).
import type { KubeObject } from '../../api/object.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Obj = Record<string, any>;

export interface Pod extends KubeObject {
  spec: Obj;
  status?: Obj;
}

/** "<namespace>_<name>_<uid>": the pod's directory name under <dataDir>/agent/pods, as /var/log/pods. */
export function podDirName(pod: Pod): string {
  return `${pod.metadata.namespace}_${pod.metadata.name}_${pod.metadata.uid}`;
}

export function allContainers(pod: Pod): Obj[] {
  return [...((pod.spec.initContainers as Obj[] | undefined) ?? []), ...((pod.spec.containers as Obj[] | undefined) ?? [])];
}

export function isRestartableInit(c: Obj): boolean {
  return c.restartPolicy === 'Always';
}
