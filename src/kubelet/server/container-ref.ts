// Finding a container of a pod from the pod's status, as the kubelet's streaming endpoints need:
// its runtime id, whether it runs, and which log file holds the current or previous instance.
import type { KubeObject } from '../../api/object.js';

export type PodLike = KubeObject & { spec?: any; status?: any };

export interface ContainerRef {
  name: string;
  containerId?: string; // without the runtime:// prefix
  running: boolean;
  waitingReason?: string;
  restartCount: number;
  /** The instance before the current one, if the kubelet still reports it. */
  lastContainerId?: string;
}

export function stripRuntimePrefix(id: string | undefined): string | undefined {
  if (!id) return undefined;
  const i = id.indexOf('://');
  return i >= 0 ? id.slice(i + 3) : id;
}

export function specHasContainer(pod: PodLike, name: string): boolean {
  const spec = pod.spec ?? {};
  return [...(spec.containers ?? []), ...(spec.initContainers ?? []), ...(spec.ephemeralContainers ?? [])].some((c: any) => c.name === name);
}

export function findContainer(pod: PodLike, name: string): ContainerRef | undefined {
  const st = pod.status ?? {};
  const all = [...(st.containerStatuses ?? []), ...(st.initContainerStatuses ?? []), ...(st.ephemeralContainerStatuses ?? [])];
  const cs = all.find((c: any) => c.name === name);
  if (!cs) return specHasContainer(pod, name) ? { name, running: false, restartCount: 0, waitingReason: 'ContainerCreating' } : undefined;
  return {
    name,
    containerId: stripRuntimePrefix(cs.containerID),
    running: !!cs.state?.running,
    waitingReason: cs.state?.waiting?.reason,
    restartCount: cs.restartCount ?? 0,
    lastContainerId: stripRuntimePrefix(cs.lastState?.terminated?.containerID),
  };
}

/** The default container kubectl would pick when the request names none. */
export function defaultContainerName(pod: PodLike): string | undefined {
  return pod.metadata.annotations?.['kubectl.kubernetes.io/default-container'] ?? pod.spec?.containers?.[0]?.name;
}
