// The API server's side of upgrade requests (WebSocket and SPDY for exec, attach, port-forward and
// node proxying): who is asking, whether they may, then the node proxy. Anything else is refused
// with a Status, since kubectl treats any non-101 answer as "try the other protocol" or an error.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { StatusError, errors } from '../../api/errors.js';
import type { UserInfo } from '../context.js';
import type { Req } from '../http.js';
import { parseRequestInfo, type RequestInfo } from '../request-info.js';
import { writeStatus, type NodeProxy } from './node-proxy.js';

export interface UpgradeDeps {
  proxy: NodeProxy;
  authenticate(req: Req): Promise<UserInfo | null>;
  /** RBAC once it exists: verb "create" (POST) or "get" (GET) on pods/exec and friends. */
  authorize?(user: UserInfo, ri: RequestInfo): Promise<{ allowed: boolean; reason?: string }>;
  logger: Logger;
}

/** Returns a listener for the HTTP/1.1 server's 'upgrade' event. */
export function createUpgradeHandler(d: UpgradeDeps): (req: IncomingMessage, socket: Duplex, head: Buffer) => void {
  return (req, socket, head) => {
    socket.on('error', () => undefined);
    void (async () => {
      const url = new URL(req.url ?? '/', 'https://localhost');
      const ri = parseRequestInfo(req.method ?? 'GET', url.pathname, url.searchParams);
      if (!ri.isResourceRequest || !d.proxy.isStreamUpgrade(ri)) throw errors.notFoundPath();
      const user = await d.authenticate(req);
      if (!user) throw errors.unauthorized();
      if (d.authorize) {
        const res = await d.authorize(user, ri);
        if (!res.allowed) {
          const scope = ri.namespace ? ` in the namespace "${ri.namespace}"` : '';
          throw errors.forbidden(`${ri.resource} "${ri.name}" is forbidden: User "${user.username}" cannot ${ri.verb} resource "${ri.resource}/${ri.subresource.split('/')[0]}" in API group "${ri.group}"${scope}`);
        }
      }
      d.proxy.handleUpgrade(req, socket, head, ri);
    })().catch((err) => {
      if (!(err instanceof StatusError)) d.logger.warn({ err, path: req.url }, 'upgrade request failed');
      writeStatus(socket, err instanceof StatusError ? err : errors.internal(String((err as Error)?.message ?? err)));
    });
  };
}
