// The metrics.k8s.io/v1beta1 resources `kubectl top` reads, as the catalog knows them. They are
// never stored: the handler in metrics-handler.ts answers from the kubelets' stats.
import type { ResourceInfo } from '../../api/registry/types.js';

export const METRICS_GROUP = 'metrics.k8s.io';
export const METRICS_VERSION = 'v1beta1';

const common = { group: METRICS_GROUP, version: METRICS_VERSION, shortNames: [] as string[], categories: [] as string[], verbs: ['get', 'list'], subresources: [], virtual: true };

export const podMetricsInfo: ResourceInfo = {
  ...common,
  kind: 'PodMetrics',
  listKind: 'PodMetricsList',
  plural: 'pods',
  singular: '',
  namespaced: true,
  schemaName: 'io.k8s.metrics.pkg.apis.metrics.v1beta1.PodMetrics',
};

export const nodeMetricsInfo: ResourceInfo = {
  ...common,
  kind: 'NodeMetrics',
  listKind: 'NodeMetricsList',
  plural: 'nodes',
  singular: '',
  namespaced: false,
  schemaName: 'io.k8s.metrics.pkg.apis.metrics.v1beta1.NodeMetrics',
};

export const metricsResourceInfos: ResourceInfo[] = [podMetricsInfo, nodeMetricsInfo];
