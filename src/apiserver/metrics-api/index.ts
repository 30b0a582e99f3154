// metrics.k8s.io/v1beta1 for `kubectl top`: catalog entries and the handler. See metrics-handler.ts.
export { metricsResourceInfos, podMetricsInfo, nodeMetricsInfo, METRICS_GROUP, METRICS_VERSION } from './resources.js';
export { createMetricsHandler, type MetricsDeps, type MetricsHandler } from './metrics-handler.js';
