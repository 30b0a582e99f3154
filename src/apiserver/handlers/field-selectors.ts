// Which fields each resource can be selected by (upstream's per-type field label conversions).
import type { ResourceInfo } from '../../api/registry/types.js';

const common = ['metadata.name', 'metadata.namespace'];

const byResource: Record<string, string[]> = {
  '/pods': ['spec.nodeName', 'spec.restartPolicy', 'spec.schedulerName', 'spec.serviceAccountName', 'spec.hostNetwork', 'status.phase', 'status.podIP', 'status.podIPs', 'status.nominatedNodeName'],
  '/events': ['involvedObject.kind', 'involvedObject.namespace', 'involvedObject.name', 'involvedObject.uid', 'involvedObject.apiVersion', 'involvedObject.resourceVersion', 'involvedObject.fieldPath', 'reason', 'reportingComponent', 'source', 'type'],
  'events.k8s.io/events': ['regarding.kind', 'regarding.namespace', 'regarding.name', 'regarding.uid', 'regarding.apiVersion', 'regarding.resourceVersion', 'regarding.fieldPath', 'reason', 'reportingController', 'type'],
  '/secrets': ['type'],
  '/nodes': ['spec.unschedulable'],
  '/namespaces': ['status.phase'],
  '/replicationcontrollers': ['status.replicas'],
  'apps/replicasets': ['status.replicas'],
  'batch/jobs': ['status.successful'],
  '/services': ['spec.clusterIP', 'spec.type'],
  'certificates.k8s.io/certificatesigningrequests': ['spec.signerName'],
};

const cache = new Map<string, Set<string>>();

export function selectableFields(info: Pick<ResourceInfo, 'group' | 'plural'> & { selectableFields?: string[] }): Set<string> {
  const key = `${info.group}/${info.plural}`;
  let s = cache.get(key);
  if (!s) {
    s = new Set([...common, ...(byResource[key] ?? []), ...(info.selectableFields ?? [])]);
    cache.set(key, s);
  }
  return s;
}
