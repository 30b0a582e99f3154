// The Node this kubelet registers and the status it reports (pure): capacity and allocatable,
// addresses, nodeInfo, the upstream conditions with their reasons, images and the kubelet port.
import type { KubeObject } from '../../api/object.js';
import type { CriImage } from '../pods/cri-port.js';
import type { MachineInfo } from './machine-info.js';

export const KUBELET_VERSION = 'v1.32.4-k8ts';
/** Upstream's default hard eviction thresholds, taken off allocatable. */
const EVICTION_MEMORY_BYTES = 100 * 1024 * 1024;
const EVICTION_NODEFS_FRACTION = 0.1;
const MAX_IMAGES = 50;

export interface NodeIdentity {
  nodeName: string;
  nodeIP: string;
  podCIDR: string;
  kubeletPort: number;
  maxPods: number;
  labels?: Record<string, string>;
  taints?: KubeObject[];
}

export interface NodeCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  lastHeartbeatTime: string;
  lastTransitionTime: string;
  reason: string;
  message: string;
}

export function nodeLabels(id: NodeIdentity, m: Pick<MachineInfo, 'architecture'>): Record<string, string> {
  return {
    'beta.kubernetes.io/arch': m.architecture,
    'beta.kubernetes.io/os': 'linux',
    'kubernetes.io/arch': m.architecture,
    'kubernetes.io/hostname': id.nodeName,
    'kubernetes.io/os': 'linux',
    'node.kubernetes.io/instance-type': 'k8ts',
    ...(id.labels ?? {}),
  };
}

export function buildNode(id: NodeIdentity, m: MachineInfo): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: id.nodeName,
      labels: nodeLabels(id, m),
      annotations: { 'node.alpha.kubernetes.io/ttl': '0', 'volumes.kubernetes.io/controller-managed-attach-detach': 'true' },
    },
    spec: { podCIDR: id.podCIDR, podCIDRs: [id.podCIDR], ...(id.taints?.length ? { taints: id.taints } : {}) },
  };
}

const ki = (bytes: number): string => `${Math.floor(bytes / 1024)}Ki`;

export interface NodeStatusInputs {
  machine: MachineInfo;
  runtime: { name: string; version: string };
  images: CriImage[];
  nowIso: string;
  prev?: { conditions?: NodeCondition[] };
  /** False while the runtime or network is not usable (Ready=False). */
  runtimeReady: boolean;
  runtimeMessage?: string;
}

export function nodeStatus(id: NodeIdentity, i: NodeStatusInputs): Record<string, unknown> {
  const m = i.machine;
  const capacity = {
    cpu: String(m.cpus),
    'ephemeral-storage': ki(m.fsBytes),
    'hugepages-1Gi': '0',
    'hugepages-2Mi': '0',
    memory: ki(m.memoryBytes),
    pods: String(id.maxPods),
  };
  const allocatable = {
    ...capacity,
    'ephemeral-storage': String(Math.floor(m.fsBytes * (1 - EVICTION_NODEFS_FRACTION))),
    memory: ki(Math.max(0, m.memoryBytes - EVICTION_MEMORY_BYTES)),
  };
  const memoryPressure = m.memoryAvailableBytes < EVICTION_MEMORY_BYTES;
  const diskPressure = m.fsBytes > 0 && m.fsAvailableBytes < m.fsBytes * EVICTION_NODEFS_FRACTION;
  const table: [string, boolean, string, string][] = [
    ['MemoryPressure', memoryPressure, memoryPressure ? 'KubeletHasInsufficientMemory' : 'KubeletHasSufficientMemory', memoryPressure ? 'kubelet has insufficient memory available' : 'kubelet has sufficient memory available'],
    ['DiskPressure', diskPressure, diskPressure ? 'KubeletHasDiskPressure' : 'KubeletHasNoDiskPressure', diskPressure ? 'kubelet has disk pressure' : 'kubelet has no disk pressure'],
    ['PIDPressure', false, 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'],
    ['Ready', i.runtimeReady, i.runtimeReady ? 'KubeletReady' : 'KubeletNotReady', i.runtimeReady ? 'kubelet is posting ready status' : i.runtimeMessage ?? 'container runtime is down'],
  ];
  const conditions: NodeCondition[] = table.map(([type, on, reason, message]) => {
    const status = on ? 'True' : 'False';
    const old = i.prev?.conditions?.find((c) => c.type === type);
    return { type, status, lastHeartbeatTime: i.nowIso, lastTransitionTime: old && old.status === status ? old.lastTransitionTime : i.nowIso, reason, message };
  });
  return {
    capacity,
    allocatable,
    conditions,
    addresses: [
      { type: 'InternalIP', address: id.nodeIP },
      { type: 'Hostname', address: id.nodeName },
    ],
    daemonEndpoints: { kubeletEndpoint: { Port: id.kubeletPort } },
    nodeInfo: {
      machineID: m.machineID,
      systemUUID: m.systemUUID,
      bootID: m.bootID,
      kernelVersion: m.kernelVersion,
      osImage: m.osImage,
      containerRuntimeVersion: `${i.runtime.name}://${i.runtime.version}`,
      kubeletVersion: KUBELET_VERSION,
      kubeProxyVersion: '',
      operatingSystem: 'linux',
      architecture: m.architecture,
    },
    images: nodeImages(i.images),
  };
}

/** Upstream's node image list: biggest first, at most 50, names = digests then tags. */
export function nodeImages(images: CriImage[]): { names: string[]; sizeBytes: number }[] {
  return [...images]
    .sort((a, b) => Number(b.size) - Number(a.size))
    .slice(0, MAX_IMAGES)
    .map((im) => ({ names: [...(im.repo_digests ?? []), ...(im.repo_tags ?? [])], sizeBytes: Number(im.size) }))
    .filter((im) => im.names.length > 0);
}

/** A status with heartbeat times blanked, to tell a real change from a heartbeat. */
export function withoutHeartbeats(status: Record<string, unknown>): Record<string, unknown> {
  const conds = (status.conditions as NodeCondition[] | undefined) ?? [];
  return { ...status, conditions: conds.map((c) => ({ ...c, lastHeartbeatTime: '' })) };
}
