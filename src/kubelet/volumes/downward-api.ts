// Values of downward API items: pod fields (fieldRef) and container resources (resourceFieldRef).
// Pure; the node's allocatable is passed in for limits a container did not set, as upstream does.
import { parseQuantity } from '../../api/quantity.js';
import type { Container, DownwardAPIVolumeFile, Pod } from './types.js';

/** `key="value"` lines, sorted by key, as upstream formats labels and annotations. */
export function formatMap(m: Record<string, string> | undefined): string {
  if (!m) return '';
  return Object.keys(m)
    .sort()
    .map((k) => `${k}=${JSON.stringify(m[k])}`)
    .join('\n');
}

const SUBSCRIPT_RE = /^(metadata\.(?:labels|annotations))\['(.*)'\]$/;

export function podFieldValue(pod: Pod, fieldPath: string): string {
  const sub = SUBSCRIPT_RE.exec(fieldPath);
  if (sub) {
    const map = sub[1] === 'metadata.labels' ? pod.metadata.labels : pod.metadata.annotations;
    return map?.[sub[2]] ?? '';
  }
  switch (fieldPath) {
    case 'metadata.name':
      return pod.metadata.name ?? '';
    case 'metadata.namespace':
      return pod.metadata.namespace ?? '';
    case 'metadata.uid':
      return pod.metadata.uid ?? '';
    case 'metadata.labels':
      return formatMap(pod.metadata.labels);
    case 'metadata.annotations':
      return formatMap(pod.metadata.annotations);
    case 'spec.nodeName':
      return pod.spec?.nodeName ?? '';
    case 'spec.serviceAccountName':
      return pod.spec?.serviceAccountName ?? '';
    case 'status.hostIP':
      return pod.status?.hostIP ?? '';
    case 'status.hostIPs':
      return (pod.status?.hostIPs ?? []).map((x) => x.ip).join(',');
    case 'status.podIP':
      return pod.status?.podIP ?? '';
    case 'status.podIPs':
      return (pod.status?.podIPs ?? []).map((x) => x.ip).join(',');
    default:
      throw new Error(`unsupported fieldPath: ${fieldPath}`);
  }
}

function ceilDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return q * b === a || a < 0n ? q : q + 1n;
}

/** Node allocatable, e.g. { cpu: '4', memory: '8Gi', 'ephemeral-storage': '100Gi' }. */
export type Allocatable = Record<string, string | number>;

function findContainer(pod: Pod, name: string | undefined): Container | undefined {
  const all = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])];
  return name ? all.find((c) => c.name === name) : all[0];
}

/** "limits.cpu" with divisor "1m" → "500" for a 0.5 CPU limit; unset limits fall back to allocatable. */
export function containerResourceValue(pod: Pod, ref: { containerName?: string; resource: string; divisor?: string | number }, allocatable: Allocatable): string {
  const c = findContainer(pod, ref.containerName);
  if (!c) throw new Error(`container ${ref.containerName ?? ''} not found in pod ${pod.metadata.name ?? ''}`);
  const dot = ref.resource.indexOf('.');
  if (dot < 0) throw new Error(`unsupported container resource: ${ref.resource}`);
  const kind = ref.resource.slice(0, dot);
  const name = ref.resource.slice(dot + 1);
  if (kind !== 'limits' && kind !== 'requests') throw new Error(`unsupported container resource: ${ref.resource}`);
  let raw = c.resources?.[kind]?.[name];
  if (raw === undefined && kind === 'limits') raw = allocatable[name];
  const value = parseQuantity(raw ?? 0);
  const divisor = parseQuantity(ref.divisor === undefined || ref.divisor === '' ? 1 : ref.divisor);
  if (!value || !divisor || divisor.nano === 0n) throw new Error(`invalid quantity for ${ref.resource}`);
  return ceilDiv(value.nano, divisor.nano).toString();
}

export function downwardItemValue(pod: Pod, item: DownwardAPIVolumeFile, allocatable: Allocatable): string {
  if (item.fieldRef) return podFieldValue(pod, item.fieldRef.fieldPath);
  if (item.resourceFieldRef) return containerResourceValue(pod, item.resourceFieldRef, allocatable);
  throw new Error(`downward API item ${item.path} names neither fieldRef nor resourceFieldRef`);
}
