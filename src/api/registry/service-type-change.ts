// What a Service update sheds when its type changes: fields that only the old type needed and that
// the client left as they were (as upstream's dropTypeDependentFields). Without this,
// `kubectl patch svc x -p '{"spec":{"type":"ClusterIP"}}'` on a NodePort Service would be refused
// for the nodePorts and externalTrafficPolicy it still carries. Pure.
import type { KubeObject } from '../object.js';

type Spec = Record<string, any>;

const needsClusterIP = (s: Spec) => s.type !== 'ExternalName';
const needsNodePorts = (s: Spec) => s.type === 'NodePort' || s.type === 'LoadBalancer';
const needsExternalTrafficPolicy = needsNodePorts;
const needsHealthCheckNodePort = (s: Spec) => s.type === 'LoadBalancer' && s.externalTrafficPolicy === 'Local';
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

export function dropTypeDependentFields(svc: KubeObject, old: KubeObject): void {
  const spec = (svc as { spec?: Spec }).spec;
  const prev = (old as { spec?: Spec }).spec;
  if (!spec || !prev || spec.type === prev.type) return;
  if (needsClusterIP(prev) && !needsClusterIP(spec)) {
    if (same(spec.clusterIP, prev.clusterIP) && same(spec.clusterIPs, prev.clusterIPs)) {
      delete spec.clusterIP;
      delete spec.clusterIPs;
    }
    if (same(spec.ipFamilies, prev.ipFamilies)) delete spec.ipFamilies;
    if (same(spec.ipFamilyPolicy, prev.ipFamilyPolicy)) delete spec.ipFamilyPolicy;
  }
  if (needsNodePorts(prev) && !needsNodePorts(spec)) {
    const ports: Spec[] = spec.ports ?? [];
    const oldPorts: Spec[] = prev.ports ?? [];
    if (same(ports.map((p) => p.nodePort), oldPorts.map((p) => p.nodePort))) for (const p of ports) delete p.nodePort;
  }
  if (needsHealthCheckNodePort(prev) && !needsHealthCheckNodePort(spec) && spec.healthCheckNodePort === prev.healthCheckNodePort) {
    delete spec.healthCheckNodePort;
  }
  if (spec.type !== 'LoadBalancer') {
    if (prev.allocateLoadBalancerNodePorts !== undefined && spec.allocateLoadBalancerNodePorts === prev.allocateLoadBalancerNodePorts) delete spec.allocateLoadBalancerNodePorts;
    if (prev.loadBalancerClass !== undefined && spec.loadBalancerClass === prev.loadBalancerClass) delete spec.loadBalancerClass;
  }
  if (needsExternalTrafficPolicy(prev) && !needsExternalTrafficPolicy(spec) && spec.externalTrafficPolicy === prev.externalTrafficPolicy) {
    delete spec.externalTrafficPolicy;
  }
}
