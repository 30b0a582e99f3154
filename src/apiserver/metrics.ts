// Prometheus metrics for the API server (upstream metric names where they exist).
import { Registry, Histogram, Counter, collectDefaultMetrics } from 'prom-client';
import { sendJson, type Reply } from './http.js';

export class Metrics {
  readonly registry = new Registry();
  private readonly duration: Histogram<'verb' | 'resource'>;
  private readonly total: Counter<'verb' | 'resource' | 'code'>;

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    this.duration = new Histogram({
      name: 'apiserver_request_duration_seconds',
      help: 'Response latency distribution in seconds for each verb and resource.',
      labelNames: ['verb', 'resource'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 60],
      registers: [this.registry],
    });
    this.total = new Counter({
      name: 'apiserver_request_total',
      help: 'Counter of apiserver requests broken out for each verb, resource and HTTP response code.',
      labelNames: ['verb', 'resource', 'code'],
      registers: [this.registry],
    });
  }

  observeRequest(verb: string, resource: string, code: number, seconds: number): void {
    const v = verb.toUpperCase();
    this.total.inc({ verb: v, resource, code: String(code) });
    if (verb !== 'watch') this.duration.observe({ verb: v, resource }, seconds);
  }

  async serve(r: Reply): Promise<void> {
    sendJson(r, 200, await this.registry.metrics(), this.registry.contentType);
  }
}
