// Host-gw pod routing (what flannel's host-gw backend does for k3s): watches Nodes and keeps one
// route per other node, `<its podCIDR> via <its InternalIP>`, in this host's (or network
// namespace's) main table, so pods reach pods on other nodes directly over the node network.
// It only ever touches the routes it installed, and removes them all when it stops.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Logger } from 'pino';
import type { KubeObject } from '../../api/object.js';
import { createSharedInformerFactory } from '../../client/informer.js';
import { R } from '../../client/resources.js';
import type { KubeClient } from '../../client/types.js';
import { desiredPodRoutes, diffRoutes } from './pod-routes.js';

const execFileAsync = promisify(execFile);

export interface RouteControllerDeps {
  client: KubeClient;
  nodeName: string;
  logger: Logger;
  /** runs `ip` with these arguments (tests replace it) */
  ip?: (args: string[]) => Promise<void>;
}

const RESYNC_MS = 30_000;

export class RouteController {
  private readonly installed = new Map<string, string>();
  private readonly ip: (args: string[]) => Promise<void>;
  private syncing: Promise<void> = Promise.resolve();

  constructor(private readonly deps: RouteControllerDeps) {
    this.ip = deps.ip ?? (async (args) => void (await execFileAsync('ip', args)));
  }

  /** Routes this controller has in place now (cidr → gateway). */
  routes(): ReadonlyMap<string, string> {
    return this.installed;
  }

  async run(signal: AbortSignal): Promise<void> {
    const informers = createSharedInformerFactory(this.deps.client, { logger: this.deps.logger });
    const nodes = informers.informerFor<KubeObject>(R.nodes);
    const sync = (reapply = false) => {
      this.syncing = this.syncing.then(() => this.reconcile(nodes.store.list(), reapply)).catch((err: unknown) => this.deps.logger.warn({ err }, 'pod route sync failed'));
    };
    nodes.addEventHandler({ onAdd: () => sync(), onUpdate: () => sync(), onDelete: () => sync() });
    informers.start(signal);
    await informers.waitForSync(signal);
    sync();
    // A route someone else removed comes back at the next resync.
    const timer = setInterval(() => sync(true), RESYNC_MS);
    await new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
    clearInterval(timer);
    await this.syncing;
    await this.removeAll();
  }

  /** Brings the routes in line with the Nodes; reapply also rewrites routes believed in place. */
  async reconcile(nodes: KubeObject[], reapply = false): Promise<void> {
    const desired = desiredPodRoutes(nodes, this.deps.nodeName);
    const changes = diffRoutes(reapply ? new Map() : this.installed, desired);
    if (reapply) changes.remove = diffRoutes(this.installed, desired).remove;
    for (const [cidr, via] of changes.replace) {
      await this.ip(['route', 'replace', cidr, 'via', via]);
      if (this.installed.get(cidr) !== via) this.deps.logger.info({ cidr, via }, 'pod route installed');
      this.installed.set(cidr, via);
    }
    for (const [cidr, via] of changes.remove) {
      await this.ip(['route', 'del', cidr, 'via', via]).catch(() => undefined);
      this.installed.delete(cidr);
      this.deps.logger.info({ cidr, via }, 'pod route removed');
    }
  }

  private async removeAll(): Promise<void> {
    for (const [cidr, via] of this.installed) await this.ip(['route', 'del', cidr, 'via', via]).catch(() => undefined);
    this.installed.clear();
  }
}
