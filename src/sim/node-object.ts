// What a simulated node reports about itself: the Node object a kubelet would register and the
// status it would heartbeat. Pure; the pool decides when to send them.
import type { KubeObject } from '../api/object.js';
import { rfc3339 } from './timestamps.js';
import { ANN_NODE_STORAGE_DIR } from '../storage/local-path/names.js';

export const SIM_LABEL = 'k8ts.io/sim';
export const SIM_KUBELET_VERSION = 'v1.32.4-k8ts-sim';

export interface SimNodeSpec {
  name: string;
  podCIDR: string;
  internalIP: string;
  cpu: string;
  memory: string;
  pods: number;
  ephemeralStorage: string;
  labels: Record<string, string>;
}

export interface NodeCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  lastHeartbeatTime: string;
  lastTransitionTime: string;
  reason: string;
  message: string;
}

// Condition type, the status a healthy kubelet reports, and its upstream reason and message.
const HEALTHY: readonly [string, 'True' | 'False', string, string][] = [
  ['NetworkUnavailable', 'False', 'RouteCreated', 'RouteController created a route'],
  ['MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'],
  ['DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'],
  ['PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'],
  ['Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'],
];

export function nodeLabels(spec: Pick<SimNodeSpec, 'name' | 'labels'>): Record<string, string> {
  return {
    'beta.kubernetes.io/arch': 'amd64',
    'beta.kubernetes.io/os': 'linux',
    'kubernetes.io/arch': 'amd64',
    'kubernetes.io/hostname': spec.name,
    'kubernetes.io/os': 'linux',
    'node.kubernetes.io/instance-type': 'k8ts-sim',
    [SIM_LABEL]: 'true',
    ...spec.labels,
  };
}

/** The Node as registered (status is written separately: the API server resets it on create). */
export function buildNode(spec: SimNodeSpec): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: spec.name,
      labels: nodeLabels(spec),
      annotations: {
        'node.alpha.kubernetes.io/ttl': '0',
        'volumes.kubernetes.io/controller-managed-attach-detach': 'true',
        // Lets local-path claims of pods placed here provision; a simulated node never touches the path.
        [ANN_NODE_STORAGE_DIR]: `/var/lib/k8ts-sim/${spec.name}/storage`,
      },
    },
    spec: { podCIDR: spec.podCIDR, podCIDRs: [spec.podCIDR] },
  };
}

/**
 * The status a healthy kubelet posts at nowMs. Conditions keep their lastTransitionTime while
 * their status is unchanged (a node coming back after a stop transitions again).
 */
export function nodeStatus(spec: SimNodeSpec, nowMs: number, prev?: { conditions?: NodeCondition[] }): Record<string, unknown> {
  const now = rfc3339(nowMs);
  const resources = {
    cpu: spec.cpu,
    'ephemeral-storage': spec.ephemeralStorage,
    'hugepages-1Gi': '0',
    'hugepages-2Mi': '0',
    memory: spec.memory,
    pods: String(spec.pods),
  };
  const conditions: NodeCondition[] = HEALTHY.map(([type, status, reason, message]) => {
    const old = prev?.conditions?.find((c) => c.type === type);
    return {
      type,
      status,
      lastHeartbeatTime: now,
      lastTransitionTime: old && old.status === status ? old.lastTransitionTime : now,
      reason,
      message,
    };
  });
  return {
    capacity: resources,
    allocatable: { ...resources },
    conditions,
    addresses: [
      { type: 'InternalIP', address: spec.internalIP },
      { type: 'Hostname', address: spec.name },
    ],
    daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
    nodeInfo: {
      machineID: machineIdOf(spec.name),
      systemUUID: machineIdOf(spec.name),
      bootID: machineIdOf(spec.name + '/boot'),
      kernelVersion: '6.1.0-k8ts-sim',
      osImage: 'k8ts simulated node',
      containerRuntimeVersion: 'sim://1.0',
      kubeletVersion: SIM_KUBELET_VERSION,
      kubeProxyVersion: '',
      operatingSystem: 'linux',
      architecture: 'amd64',
    },
    images: [],
  };
}

/** A stable 32-hex id derived from a name (FNV-1a, four lanes), like /etc/machine-id. */
function machineIdOf(name: string): string {
  let out = '';
  for (let lane = 0; lane < 4; lane++) {
    let h = 0x811c9dc5 ^ lane;
    for (let i = 0; i < name.length; i++) {
      h ^= name.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
    out += (h >>> 0).toString(16).padStart(8, '0');
  }
  return out;
}
