// Authentication: who sent this request. Client certificates signed by the cluster CA are checked
// by TLS itself; here we only read the verified subject (CN = user, O = groups). Other
// authenticators (bearer tokens) plug in as functions. Never decides what a user may do.
import type { TLSSocket } from 'node:tls';
import type { Req } from './http.js';
import type { UserInfo } from './context.js';
import { firstHeader } from './http.js';

export type TokenAuthenticator = (token: string) => Promise<UserInfo | null> | UserInfo | null;

function tlsSocketOf(req: Req): TLSSocket | undefined {
  const anyReq = req as any;
  return (anyReq.stream?.session?.socket ?? anyReq.socket) as TLSSocket | undefined;
}

/** A connection's certificate cannot change, so its identity is parsed once per socket. */
const certUsers = new WeakMap<TLSSocket, UserInfo | null>();

export function userFromClientCert(req: Req): UserInfo | null {
  const sock = tlsSocketOf(req);
  if (!sock) return null;
  let user = certUsers.get(sock);
  if (user === undefined) {
    user = parseClientCert(sock);
    certUsers.set(sock, user);
  }
  return user;
}

function parseClientCert(sock: TLSSocket): UserInfo | null {
  if (!sock.authorized || typeof sock.getPeerCertificate !== 'function') return null;
  const cert = sock.getPeerCertificate();
  if (!cert || !cert.subject) return null;
  const cn = cert.subject.CN;
  const o = cert.subject.O;
  const username = Array.isArray(cn) ? cn[0] : cn;
  if (!username) return null;
  const groups = o === undefined ? [] : Array.isArray(o) ? o : [o];
  return { username, groups: [...groups, 'system:authenticated'] };
}

export class Authenticator {
  constructor(private readonly tokenAuthenticators: TokenAuthenticator[] = []) {}

  async authenticate(req: Req): Promise<UserInfo | null> {
    const auth = firstHeader(req.headers.authorization);
    if (auth && /^bearer /i.test(auth)) {
      const token = auth.slice(7).trim();
      for (const a of this.tokenAuthenticators) {
        const u = await a(token);
        if (u) return u;
      }
      return null; // a bad token is a failed login, even with a certificate
    }
    return userFromClientCert(req);
  }
}

export const anonymousUser: UserInfo = { username: 'system:anonymous', groups: ['system:unauthenticated'] };
