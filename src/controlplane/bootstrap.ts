// Objects every cluster starts with: the four built-in namespaces and the `kubernetes` Service
// (first address of the service range) with Endpoints pointing at this API server, and the
// default StorageClass `local-path`.
import type { InProcessClient } from './in-process-client.js';
import { firstServiceIP } from './control-plane.js';
import { defaultStorageClass } from '../storage/local-path/default-class.js';
import { ingressBootstrapObjects } from '../ingress/cluster-objects.js';
import { dnsBootstrapObjects } from '../dns/cluster-objects.js';

export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

export async function bootstrap(client: InProcessClient, serviceCidr: string, port: number): Promise<void> {
  for (const name of SYSTEM_NAMESPACES) {
    await client.ensure('', 'namespaces', '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  }
  await client.ensure('', 'services', 'default', {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'kubernetes', namespace: 'default', labels: { component: 'apiserver', provider: 'kubernetes' } },
    spec: { type: 'ClusterIP', clusterIP: firstServiceIP(serviceCidr), ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: port }], sessionAffinity: 'None' },
  });
  await client.ensure('', 'endpoints', 'default', {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name: 'kubernetes', namespace: 'default', labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } },
    subsets: [{ addresses: [{ ip: '127.0.0.1' }], ports: [{ name: 'https', port, protocol: 'TCP' }] }],
  } as any);
  // As k3s: created once; an admin may change its default-class annotation or delete it (it then comes back at restart).
  await client.ensure('storage.k8s.io', 'storageclasses', '', defaultStorageClass());
  // The built-in ingress controller's IngressClass `k8ts` (default) and its LoadBalancer Service.
  for (const o of ingressBootstrapObjects()) await client.ensure(o.group, o.plural, o.namespace, o.obj);
  // The kube-dns Service (10th service address, no selector: each agent's cluster DNS adds its endpoint).
  for (const o of dnsBootstrapObjects(serviceCidr)) await client.ensure(o.group, o.plural, o.namespace, o.obj);
}
