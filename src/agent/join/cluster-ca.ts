// Learning the cluster CA before the agent trusts anything: one request over TLS that does not
// verify the server yet, authenticated with the bootstrap token, for the public CA bundle
// (kube-public/kube-root-ca.crt, readable by bootstrap tokens). With a secure join token the
// bundle must match the token's hash or the join stops; every later connection verifies the
// server against that CA. (k3s serves /cacerts without authentication, so its token never
// crosses an unverified connection; our API server has no such endpoint yet.)
import { request } from 'node:https';
import type { Logger } from 'pino';
import { caHash, type JoinToken } from './join-token.js';

const CA_PATH = '/api/v1/namespaces/kube-public/configmaps/kube-root-ca.crt';

function getUnverified(server: string, path: string, token: string, timeoutMs: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, server), { method: 'GET', rejectUnauthorized: false, headers: { authorization: `Bearer ${token}`, accept: 'application/json' }, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${server} within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

class Retryable extends Error {}

/**
 * The cluster CA (PEM), checked against the token's hash when it has one. Retries while the
 * server is not up yet or has not published the CA (a server and its agents often start together).
 */
export async function fetchClusterCA(server: string, token: JoinToken, logger: Logger, opts: { timeoutMs?: number; waitMs?: number; signal?: AbortSignal } = {}): Promise<string> {
  const deadline = Date.now() + (opts.waitMs ?? 120_000);
  for (let attempt = 0; ; attempt++) {
    try {
      return await fetchOnce(server, token, logger, opts.timeoutMs ?? 10_000);
    } catch (err) {
      const retryable = err instanceof Retryable || ['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ETIMEDOUT'].includes((err as NodeJS.ErrnoException).code ?? '');
      if (!retryable || Date.now() > deadline || opts.signal?.aborted) throw err;
      if (attempt % 10 === 0) logger.info({ err: (err as Error).message }, 'waiting for the server to hand out the cluster CA');
      await new Promise((r) => setTimeout(r, 1_000));
    }
  }
}

async function fetchOnce(server: string, token: JoinToken, logger: Logger, timeoutMs: number): Promise<string> {
  const res = await getUnverified(server, CA_PATH, token.bootstrapToken, timeoutMs);
  if (res.status === 401) throw new Error(`the server at ${server} refused the join token (401): it may be expired or deleted`);
  if (res.status === 404 || res.status >= 500) throw new Retryable(`reading the cluster CA from ${server}${CA_PATH}: HTTP ${res.status}`);
  if (res.status !== 200) throw new Error(`reading the cluster CA from ${server}${CA_PATH}: HTTP ${res.status} ${res.body.slice(0, 200)}`);
  const caPem = (JSON.parse(res.body) as { data?: Record<string, string> }).data?.['ca.crt'];
  if (!caPem?.includes('BEGIN CERTIFICATE')) throw new Error(`the server at ${server} returned no CA certificate`);
  if (token.caHash) {
    const got = caHash(caPem);
    if (got !== token.caHash) throw new Error(`the cluster CA of ${server} does not match the join token (sha256 ${got}, token pins ${token.caHash}): refusing to join`);
  } else {
    logger.warn({ server }, 'the join token does not pin the cluster CA; trusting the CA the server presented (use the K10... token from `k8ts token create --with-ca-hash`)');
  }
  return caPem;
}
