// Runs a pool of simulated nodes as its own API client (what `k8ts server --sim-nodes N` and
// `k8ts sim` start): its own HTTP/2 connections and informers, closed when the signal aborts.
// Watches get a connection of their own so a watch backlog never stalls heartbeats and writes.
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
  const watchClient = new HttpKubeClient({ userAgent: 'k8ts-sim/v1.32.4', ...clientConfig });
  const informers = createSharedInformerFactory(watchClient, { logger });
  const pool = new SimNodePool({ client, informers, clock: realClock, logger }, { ...opts, count });
  pool
    .run(signal)
    .catch((err) => logger.error({ err: String(err) }, 'simulated nodes stopped'))
    .finally(() => {
      client.close();
      watchClient.close();
    });
  return pool;
}
