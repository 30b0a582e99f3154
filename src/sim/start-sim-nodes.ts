// Runs a pool of simulated nodes as its own API client (what `k8ts server --sim-nodes N` and
// `k8ts sim` start): its own HTTP/2 connection and informers, closed when the signal aborts.
import type { Logger } from 'pino';
import { HttpKubeClient, type HttpKubeClientConfig } from '../client/http-client.js';
import { createSharedInformerFactory } from '../client/informer.js';
import { realClock } from '../client/informer-types.js';
import { SimNodePool, type SimNodePoolOptions } from './sim-node-pool.js';

/** Starts count simulated nodes against the server in clientConfig; returns the running pool. */
export function startSimNodes(
  clientConfig: HttpKubeClientConfig,
  count: number,
  logger: Logger,
  signal: AbortSignal,
  opts: Omit<SimNodePoolOptions, 'count'> = {},
): SimNodePool {
  const client = new HttpKubeClient({ userAgent: 'k8ts-sim/v1.32.4', ...clientConfig });
  const informers = createSharedInformerFactory(client, { logger });
  const pool = new SimNodePool({ client, informers, clock: realClock, logger }, { ...opts, count });
  pool
    .run(signal)
    .catch((err) => logger.error({ err: String(err) }, 'simulated nodes stopped'))
    .finally(() => client.close());
  return pool;
}
