// Which pods back a Service and on which ports: the rules upstream's endpointutil shares between
// the Endpoints and EndpointSlice controllers (pod membership, readiness, named targetPort lookup).
import type { KubeObject } from '../../api/object.js';

export interface ServicePort {
  name?: string;
  protocol?: string;
  port: number;
  targetPort?: number | string;
  appProtocol?: string;
}

export function isPodReady(pod: KubeObject): boolean {
  const conds = (pod as any).status?.conditions as { type: string; status: string }[] | undefined;
  return !!conds?.some((c) => c.type === 'Ready' && c.status === 'True');
}

/**
 * Whether a pod belongs in a Service's endpoints at all: it needs an IP, must not have finished
 * for good (per restartPolicy), and terminating pods count only when asked for.
 */
export function shouldPodBeInEndpoints(pod: KubeObject, includeTerminating: boolean): boolean {
  const p = pod as any;
  if (!p.status?.podIP) return false;
  if (!includeTerminating && pod.metadata.deletionTimestamp) return false;
  const phase = p.status?.phase;
  switch (p.spec?.restartPolicy) {
    case 'Never':
      return phase !== 'Failed' && phase !== 'Succeeded';
    case 'OnFailure':
      return phase !== 'Succeeded';
    default:
      return true;
  }
}

/** The container port a service port's targetPort means for this pod; undefined if none. */
export function findPort(pod: KubeObject, sp: ServicePort): number | undefined {
  const target = sp.targetPort ?? sp.port;
  if (typeof target === 'number') return target;
  if (/^[0-9]+$/.test(target)) return Number(target);
  const protocol = sp.protocol ?? 'TCP';
  for (const c of ((pod as any).spec?.containers ?? []) as any[]) {
    for (const cp of (c.ports ?? []) as any[]) {
      if (cp.name === target && (cp.protocol ?? 'TCP') === protocol) return cp.containerPort;
    }
  }
  return undefined;
}

/** Pod hostname for DNS when the pod names this service as its subdomain (StatefulSet pods). */
export function podHostname(pod: KubeObject, svc: KubeObject): string | undefined {
  const spec = (pod as any).spec;
  if (spec?.hostname && spec.subdomain === svc.metadata.name && pod.metadata.namespace === svc.metadata.namespace) return spec.hostname;
  return undefined;
}

export function serviceSelector(svc: KubeObject): Record<string, string> | undefined {
  const sel = (svc as any).spec?.selector as Record<string, string> | undefined;
  return sel && Object.keys(sel).length ? sel : undefined;
}

export function selectorMatches(sel: Record<string, string>, labels: Record<string, string> | undefined): boolean {
  for (const k in sel) if (labels?.[k] !== sel[k]) return false;
  return true;
}

export function isHeadless(svc: KubeObject): boolean {
  return (svc as any).spec?.clusterIP === 'None';
}
