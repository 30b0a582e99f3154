// A pod's effective resource requests and a node's allocatable, as the scheduler counts them:
// containers summed, init containers as a running maximum (sidecars, restartPolicy Always,
// accumulate), plus pod overhead. Pure; computed once per pod.
import type { Container, Pod, ResourceList } from './api-types.js';
import { milliValue, value } from '../api/quantity.js';

/** Upstream's defaults for containers that request nothing, used only for scoring spread. */
export const DEFAULT_MILLI_CPU_REQUEST = 100;
export const DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024;

export interface Resource {
  milliCPU: number;
  memory: number;
  ephemeralStorage: number;
  allowedPodNumber: number;
  /** Extended and hugepages resources; undefined when there are none (the common case). */
  scalar?: Map<string, number>;
}

export const emptyResource = (): Resource => ({ milliCPU: 0, memory: 0, ephemeralStorage: 0, allowedPodNumber: 0 });

const isScalarName = (name: string): boolean =>
  name !== 'cpu' && name !== 'memory' && name !== 'ephemeral-storage' && name !== 'pods' && (name.includes('/') || name.startsWith('hugepages-'));

export function resourceFromList(list: ResourceList | undefined): Resource {
  const r = emptyResource();
  if (!list) return r;
  for (const name in list) {
    const q = list[name];
    if (name === 'cpu') r.milliCPU = milliValue(q);
    else if (name === 'memory') r.memory = value(q);
    else if (name === 'ephemeral-storage') r.ephemeralStorage = value(q);
    else if (name === 'pods') r.allowedPodNumber = value(q);
    else if (isScalarName(name)) (r.scalar ??= new Map()).set(name, value(q));
  }
  return r;
}

function addInto(a: Resource, b: Resource): void {
  a.milliCPU += b.milliCPU;
  a.memory += b.memory;
  a.ephemeralStorage += b.ephemeralStorage;
  if (b.scalar) for (const [k, v] of b.scalar) (a.scalar ??= new Map()).set(k, (a.scalar.get(k) ?? 0) + v);
}

function maxInto(a: Resource, b: Resource): void {
  a.milliCPU = Math.max(a.milliCPU, b.milliCPU);
  a.memory = Math.max(a.memory, b.memory);
  a.ephemeralStorage = Math.max(a.ephemeralStorage, b.ephemeralStorage);
  if (b.scalar) for (const [k, v] of b.scalar) (a.scalar ??= new Map()).set(k, Math.max(a.scalar.get(k) ?? 0, v));
}

function containerRequests(c: Container, nonZero: boolean): Resource {
  const req = c.resources?.requests;
  const r = resourceFromList(req);
  if (nonZero) {
    if (req?.cpu === undefined) r.milliCPU = DEFAULT_MILLI_CPU_REQUEST;
    if (req?.memory === undefined) r.memory = DEFAULT_MEMORY_REQUEST;
  }
  return r;
}

/**
 * The pod's requests (resourcehelper.PodRequests). nonZero substitutes the scoring defaults for
 * containers without cpu/memory requests (GetNonzeroRequests).
 */
export function podRequests(pod: Pod, nonZero = false): Resource {
  const total = emptyResource();
  for (const c of pod.spec.containers ?? []) addInto(total, containerRequests(c, nonZero));
  const init = pod.spec.initContainers;
  if (init?.length) {
    const sidecars = emptyResource();
    const initMax = emptyResource();
    for (const c of init) {
      const r = containerRequests(c, nonZero);
      if (c.restartPolicy === 'Always') {
        addInto(sidecars, r);
        maxInto(initMax, sidecars);
      } else {
        addInto(r, sidecars);
        maxInto(initMax, r);
      }
    }
    addInto(total, sidecars);
    maxInto(total, initMax);
  }
  if (pod.spec.overhead) addInto(total, resourceFromList(pod.spec.overhead));
  return total;
}

export function isZeroRequest(r: Resource): boolean {
  if (r.milliCPU !== 0 || r.memory !== 0 || r.ephemeralStorage !== 0) return false;
  if (r.scalar) for (const v of r.scalar.values()) if (v !== 0) return false;
  return true;
}

/** a += sign * b (sign ±1), for node accounting as pods come and go. */
export function accumulate(a: Resource, b: Resource, sign: 1 | -1): void {
  a.milliCPU += sign * b.milliCPU;
  a.memory += sign * b.memory;
  a.ephemeralStorage += sign * b.ephemeralStorage;
  if (b.scalar) for (const [k, v] of b.scalar) (a.scalar ??= new Map()).set(k, (a.scalar.get(k) ?? 0) + sign * v);
}
