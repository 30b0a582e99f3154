// `k8ts sim`: simulated nodes against a running server, for control-plane tests and benchmarks
// without containers. Parses flags and runs a SimNodePool until SIGINT/SIGTERM.
import { parseArgs } from 'node:util';
import pino from 'pino';
import { HttpKubeClient } from '../client/http-client.js';
import { createSharedInformerFactory } from '../client/informer.js';
import { realClock } from '../client/informer-types.js';
import { SimNodePool } from '../sim/sim-node-pool.js';

export const SIM_USAGE = `Usage: k8ts sim --kubeconfig PATH [--server URL] --count N [flags]

Registers N simulated nodes (kwok-style: pods bound to them go Running without containers).

Flags:
  --kubeconfig PATH          credentials (and server) to use
  --server URL               API server URL (overrides the kubeconfig's)
  --count N                  number of nodes (default 1)
  --name-prefix P            node name prefix (default sim-node-)
  --start-index I            index of the first node (default 0)
  --cpu Q                    cpu capacity per node (default 32)
  --memory Q                 memory capacity per node (default 256Gi)
  --pods N                   pod capacity per node (default 110)
  --label K=V                extra node label (repeatable)
  --heartbeat-seconds S      Lease renewal period (default 10)
  --complete-after-ms MS     run time of restartPolicy Never/OnFailure pods (default 1000)
  --log-level LEVEL          trace|debug|info|warn|error (default info)
`;

export async function simCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      server: { type: 'string' },
      kubeconfig: { type: 'string' },
      count: { type: 'string', default: '1' },
      'name-prefix': { type: 'string', default: 'sim-node-' },
      'start-index': { type: 'string', default: '0' },
      cpu: { type: 'string', default: '32' },
      memory: { type: 'string', default: '256Gi' },
      pods: { type: 'string', default: '110' },
      label: { type: 'string', multiple: true, default: [] },
      'heartbeat-seconds': { type: 'string', default: '10' },
      'complete-after-ms': { type: 'string', default: '1000' },
      'log-level': { type: 'string', default: 'info' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(SIM_USAGE);
    return;
  }
  const kubeconfig = values.kubeconfig ?? process.env.KUBECONFIG;
  if (!kubeconfig) throw new Error('k8ts sim: --kubeconfig (or KUBECONFIG) is required');
  const count = positiveInt(values.count!, '--count');
  const labels: Record<string, string> = {};
  for (const l of values.label!) {
    const i = l.indexOf('=');
    if (i <= 0) throw new Error(`invalid --label ${l}: want KEY=VALUE`);
    labels[l.slice(0, i)] = l.slice(i + 1);
  }

  const logger = pino({ level: values['log-level'] }, pino.destination(2));
  const overrides = { userAgent: 'k8ts-sim/v1.32.4', ...(values.server ? { server: values.server } : {}) };
  const client = HttpKubeClient.fromKubeconfig(kubeconfig, overrides);
  // Watches on a connection of their own, so a watch backlog never stalls heartbeats.
  const watchClient = HttpKubeClient.fromKubeconfig(kubeconfig, overrides);
  const informers = createSharedInformerFactory(watchClient, { logger });
  const pool = new SimNodePool(
    { client, informers, clock: realClock, logger },
    {
      count,
      namePrefix: values['name-prefix'],
      startIndex: nonNegativeInt(values['start-index']!, '--start-index'),
      cpu: values.cpu,
      memory: values.memory,
      pods: positiveInt(values.pods!, '--pods'),
      labels,
      heartbeatSeconds: positiveInt(values['heartbeat-seconds']!, '--heartbeat-seconds'),
      completeAfterMs: nonNegativeInt(values['complete-after-ms']!, '--complete-after-ms'),
    },
  );
  const ac = new AbortController();
  const stop = () => {
    if (ac.signal.aborted) process.exit(1);
    logger.info('stopping simulated nodes');
    ac.abort();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  try {
    await pool.run(ac.signal);
  } finally {
    client.close();
    watchClient.close();
  }
}

function positiveInt(v: string, flag: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`invalid ${flag} ${v}`);
  return n;
}

function nonNegativeInt(v: string, flag: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`invalid ${flag} ${v}`);
  return n;
}
