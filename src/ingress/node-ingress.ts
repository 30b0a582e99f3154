// Runs the ingress controller for one agent with its own API identity (system:k8ts:ingress),
// its own connection and informers, so it shares nothing with the kubelet but the process.
import type { Logger } from 'pino';
import { HttpKubeClient, type HttpKubeClientConfig } from '../client/http-client.js';
import { createSharedInformerFactory } from '../client/informer.js';
import { IngressController } from './ingress-controller.js';

export { INGRESS_USER } from './cluster-objects.js';

export interface NodeIngressOptions {
  clientConfig: HttpKubeClientConfig;
  nodeName: string;
  nodeIP: string;
  httpPort: number;
  httpsPort: number;
  logger: Logger;
}

export const DEFAULT_INGRESS_PORTS = { httpPort: 80, httpsPort: 443 } as const;

/** Resolves after signal aborted and the listeners closed; rejects if the ports cannot be bound. */
export async function runNodeIngress(o: NodeIngressOptions, signal: AbortSignal): Promise<void> {
  const client = new HttpKubeClient({ userAgent: 'k8ts-ingress/v1.32.4', ...o.clientConfig });
  try {
    const logger = o.logger.child({ component: 'ingress' });
    const informers = createSharedInformerFactory(client, { logger });
    const controller = new IngressController({ client, informers, logger }, { nodeName: o.nodeName, nodeIP: o.nodeIP, httpPort: o.httpPort, httpsPort: o.httpsPort });
    await controller.run(signal);
  } finally {
    client.close();
  }
}

/** The agent's ingress setting from command-line values; undefined when disabled. */
export function ingressPortsFromFlags(http: string | undefined, https: string | undefined, disabled: boolean | undefined): { httpPort: number; httpsPort: number } | undefined {
  if (disabled) return undefined;
  const port = (v: string | undefined, dflt: number, flag: string) => {
    const n = v === undefined ? dflt : Number(v);
    if (!Number.isInteger(n) || n <= 0 || n > 65535) throw new Error(`invalid --${flag} ${v}`);
    return n;
  };
  return { httpPort: port(http, DEFAULT_INGRESS_PORTS.httpPort, 'ingress-http-port'), httpsPort: port(https, DEFAULT_INGRESS_PORTS.httpsPort, 'ingress-https-port') };
}
