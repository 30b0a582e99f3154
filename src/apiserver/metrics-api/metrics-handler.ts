// Answers metrics.k8s.io/v1beta1 (PodMetrics, NodeMetrics) by asking every Ready node's kubelet
// for /stats/summary, as metrics-server does, with a short cache so `kubectl top` stays cheap.
// Owns no stored state; it must never write objects.
import { request as httpsRequest } from 'node:https';
import type { Logger } from 'pino';
import { errors } from '../../api/errors.js';
import type { KubeObject } from '../../api/object.js';
import type { ResourceInfo } from '../../api/registry/types.js';
import { compileRequirements, matchAll, parseLabelSelector } from '../../api/selectors/label-selector.js';
import type { Summary } from '../../kubelet/server/stats-summary.js';
import type { RequestContext } from '../context.js';
import { sendJson, type Reply } from '../http.js';
import type { RequestInfo } from '../request-info.js';
import { kubeletTarget, type NodeLike } from '../node-proxy/kubelet-location.js';
import { nodeMetrics, podMetrics, type NodeMetrics, type PodMetrics } from './format.js';
import { METRICS_GROUP } from './resources.js';

export interface MetricsDeps {
  listNodes(): Promise<NodeLike[]>;
  /** Pods for labels (and label selectors): all namespaces when namespace is "". */
  listPods(namespace: string): Promise<KubeObject[]>;
  tls: { caPem?: string; certPem: string; keyPem: string };
  logger: Logger;
  cacheMs?: number;
  timeoutMs?: number;
  /** For tests: how a summary is fetched (default HTTPS GET /stats/summary). */
  fetchSummary?(node: NodeLike): Promise<Summary>;
}

/** Shaped like the API server's SpecialHandler; put it before the review handler (both are virtual). */
export interface MetricsHandler {
  matches(ri: RequestInfo, info: ResourceInfo): boolean;
  handle(r: Reply, ri: RequestInfo, info: ResourceInfo, query: URLSearchParams, ctx: RequestContext): Promise<void>;
}

export function createMetricsHandler(d: MetricsDeps): MetricsHandler {
  let cache: { at: number; summaries: Promise<{ node: NodeLike; summary: Summary }[]> } | undefined;

  const fetchSummary = d.fetchSummary ?? ((node: NodeLike) => getSummary(node, d));

  function summaries(): Promise<{ node: NodeLike; summary: Summary }[]> {
    const now = Date.now();
    if (cache && now - cache.at < (d.cacheMs ?? 5_000)) return cache.summaries;
    const p = d.listNodes().then((nodes) =>
      Promise.all(
        nodes.filter(isReady).map((node) =>
          fetchSummary(node).then(
            (summary) => ({ node, summary }),
            (err) => {
              d.logger.debug({ err, node: node.metadata.name }, 'kubelet summary unavailable');
              return undefined;
            },
          ),
        ),
      ).then((rs) => rs.filter((x): x is { node: NodeLike; summary: Summary } => !!x)),
    );
    cache = { at: now, summaries: p };
    p.catch(() => (cache = undefined));
    return p;
  }

  return {
    matches: (_ri, info) => info.group === METRICS_GROUP,
    async handle(r, ri, info, query, ctx) {
      if (ri.verb !== 'get' && ri.verb !== 'list') throw errors.methodNotAllowed();
      if (ri.subresource) throw errors.notFoundPath();
      const selector = query.get('labelSelector');
      const matches = selector ? compileRequirements(parseLabelSelector(selector)) : matchAll;
      const all = await summaries();
      if (info.kind === 'NodeMetrics') {
        const items: NodeMetrics[] = [];
        for (const { node, summary } of all) {
          if (!matches(node.metadata.labels)) continue;
          if (ri.name && node.metadata.name !== ri.name) continue;
          const m = nodeMetrics({ ...summary, node: { ...summary.node, nodeName: node.metadata.name! } }, node.metadata.labels, ctx.now);
          if (m) items.push(m);
        }
        return reply(r, ri, info, items);
      }
      const pods = await d.listPods(ri.namespace);
      const labels = new Map(pods.map((p) => [`${p.metadata.namespace}/${p.metadata.name}`, p.metadata.labels]));
      const items: PodMetrics[] = [];
      for (const { summary } of all) {
        for (const m of podMetrics(summary, (ns, name) => labels.get(`${ns}/${name}`), ctx.now)) {
          const key = `${m.metadata.namespace}/${m.metadata.name}`;
          if (!labels.has(key)) continue; // gone from the API, or another namespace
          if (ri.name && m.metadata.name !== ri.name) continue;
          if (!matches(m.metadata.labels)) continue;
          items.push(m);
        }
      }
      return reply(r, ri, info, items);
    },
  };
}

function reply(r: Reply, ri: RequestInfo, info: ResourceInfo, items: (PodMetrics | NodeMetrics)[]): void {
  if (ri.name) {
    const item = items[0];
    if (!item) throw errors.notFound(info.plural, METRICS_GROUP, ri.name);
    sendJson(r, 200, item);
    return;
  }
  sendJson(r, 200, { kind: info.listKind, apiVersion: `${METRICS_GROUP}/v1beta1`, metadata: {}, items });
}

function isReady(node: NodeLike): boolean {
  const c = (node.status?.conditions ?? []).find((x: any) => x.type === 'Ready');
  return !c || c.status === 'True';
}

function getSummary(node: NodeLike, d: MetricsDeps): Promise<Summary> {
  const target = kubeletTarget(node);
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host: target.host,
        port: target.port,
        path: '/stats/summary',
        method: 'GET',
        cert: d.tls.certPem,
        key: d.tls.keyPem,
        ...(d.tls.caPem ? { ca: d.tls.caPem } : { rejectUnauthorized: false }),
        checkServerIdentity: () => undefined,
        timeout: d.timeoutMs ?? 5_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          if (res.statusCode !== 200) return reject(new Error(`kubelet answered ${res.statusCode}`));
          try {
            resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Summary);
          } catch (err) {
            reject(err);
          }
        });
      },
    );
    req.once('timeout', () => req.destroy(new Error('timeout')));
    req.once('error', reject);
    req.end();
  });
}
