// The controller manager: holds the `kube-controller-manager` Lease in kube-system and, while it
// leads, runs every registered controller on shared informers. Several servers may run one each;
// only the leader acts. It owns no objects itself: each controller owns its own. With
// `clientFor`, each controller writes (and records events) as its own identity, as upstream's
// --use-service-account-credentials; the shared informers and the Lease use the manager's client.
import { hostname } from 'node:os';
import { setMaxListeners } from 'node:events';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { KubeClient } from '../client/types.js';
import { realClock, type Clock } from '../client/informer-types.js';
import { createSharedInformerFactory } from '../client/informer.js';
import { createEventRecorder } from '../client/event-recorder.js';
import { LeaderElector } from '../client/leader-election.js';
import type { ControllerDescriptor } from './types.js';

export interface ManagerOptions {
  client: KubeClient;
  controllers: ControllerDescriptor[];
  logger: Logger;
  /** Lease name (upstream: kube-controller-manager, kube-scheduler). */
  leaseName: string;
  component: string;
  clock?: Clock;
  /** Upstream's default is 15 s; 12 s lets a standby take over within 15 s of a crash (2 s retry period). */
  leaseDurationSeconds?: number;
  /** A controller's own client (owned by the caller, reused across leaderships); undefined → the shared client. */
  clientFor?(controller: string): Promise<KubeClient | undefined>;
}

/** Runs until signal aborts; leads when it holds the lease, stands by otherwise. */
export async function runControllerManager(o: ManagerOptions, signal: AbortSignal): Promise<void> {
  const identity = `${hostname()}_${randomUUID()}`;
  const elector = new LeaderElector({ client: o.client, namespace: 'kube-system', name: o.leaseName, identity, leaseDurationSeconds: o.leaseDurationSeconds ?? 12, renewDeadlineSeconds: 8 });
  await elector.run(signal, {
    onStartedLeading: async (leading: AbortSignal) => {
      o.logger.info({ identity, lease: o.leaseName }, 'became leader');
      setMaxListeners(0, leading); // every controller and informer listens for the end of leadership
      const informers = createSharedInformerFactory(o.client, {});
      const recorder = createEventRecorder(o.client, o.component);
      const deps = { client: o.client, informers, recorder, clock: o.clock ?? realClock, logger: o.logger };
      const own = await Promise.all(o.controllers.map((d) => o.clientFor?.(d.name)));
      const runs = o.controllers.map((d, i) => {
        const client = own[i];
        const identity = client ? { client, recorder: createEventRecorder(client, o.component) } : {};
        const c = d.create({ ...deps, ...identity, logger: o.logger.child({ controller: d.name }) });
        return c.run(leading).catch((err) => o.logger.error({ err, controller: d.name }, 'controller stopped with an error'));
      });
      informers.start(leading);
      await Promise.all(runs);
    },
    onStoppedLeading: () => o.logger.info({ identity, lease: o.leaseName }, 'stopped leading'),
  });
}
