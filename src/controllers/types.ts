// The shape every controller has: built from its dependencies, run until the signal aborts.
import type { Logger } from 'pino';
import type { KubeClient } from '../client/types.js';
import type { Clock, EventRecorder, SharedInformerFactory } from '../client/informer-types.js';

export interface ControllerDeps {
  client: KubeClient;
  informers: SharedInformerFactory;
  recorder: EventRecorder;
  clock: Clock;
  logger: Logger;
}

export interface Controller {
  /** Registers informer handlers before start; runs workers until signal aborts. */
  run(signal: AbortSignal): Promise<void>;
}

/** How the controller manager knows a controller: upstream's controller name and a factory. */
export interface ControllerDescriptor {
  name: string; // e.g. "deployment", "replicaset", "garbage-collector"
  create(deps: ControllerDeps): Controller;
}
