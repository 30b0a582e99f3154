// Pod lifecycle events (upstream's PodLifecycleEventType names) from the two runtime event
// sources: CRI GetContainerEvents (containerd 1.7+) and containerd's task events (1.6). Only
// what the kubelet did not cause itself needs an event: a container or sandbox ending (exit,
// OOM kill). Starts are always the pod worker's own doing and it reports them in the same sync.
import type { ContainerEventResponse } from '../cri/types.js';
import { LABEL_POD_UID } from '../pods/cri-port.js';
import type { TaskEvent } from './containerd-events.js';

export type PodLifecycleEventType = 'ContainerStarted' | 'ContainerDied' | 'ContainerRemoved';

export interface PodLifecycleEvent {
  type: PodLifecycleEventType;
  /** the CRI container or sandbox id */
  id: string;
  /** known when the source says (CRI events); containerd's task events name only the id */
  podUID?: string;
  /** whether the runtime's CRI view already shows the change (CRI events are sent after it does) */
  settled: boolean;
}

/** containerd task event → lifecycle event; exits of exec'd processes (probes, kubectl exec) are not the container's. */
export function fromTaskEvent(e: TaskEvent): PodLifecycleEvent | undefined {
  switch (e.topic) {
    case '/tasks/start':
      return { type: 'ContainerStarted', id: e.containerId, settled: false };
    case '/tasks/exit':
      return e.processId === undefined || e.processId === e.containerId ? { type: 'ContainerDied', id: e.containerId, settled: false } : undefined;
    case '/tasks/oom':
      return { type: 'ContainerDied', id: e.containerId, settled: false };
    case '/tasks/delete':
      return undefined;
  }
}

/** CRI container event → lifecycle event. */
export function fromCriEvent(e: ContainerEventResponse): PodLifecycleEvent | undefined {
  const podUID = e.pod_sandbox_status?.metadata?.uid ?? e.containers_statuses?.[0]?.labels?.[LABEL_POD_UID];
  const base = { id: e.container_id, settled: true, ...(podUID ? { podUID } : {}) };
  switch (e.container_event_type) {
    case 'CONTAINER_STARTED_EVENT':
      return { type: 'ContainerStarted', ...base };
    case 'CONTAINER_STOPPED_EVENT':
      return { type: 'ContainerDied', ...base };
    case 'CONTAINER_DELETED_EVENT':
      return { type: 'ContainerRemoved', ...base };
    default:
      return undefined;
  }
}

/** Whether an event should wake the pod worker: only changes the kubelet did not make itself. */
export function wakesPodWorker(e: PodLifecycleEvent): boolean {
  return e.type === 'ContainerDied';
}
