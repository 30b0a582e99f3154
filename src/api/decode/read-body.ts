// Reads a request body into one Buffer, refusing bodies over the limit with 413 as upstream does.

import type { IncomingMessage } from 'node:http';
import { errors } from '../errors.js';

/** Upstream's default request body limit (apiserver MaxRequestBodyBytes): 3 MiB. */
export const DEFAULT_BODY_LIMIT = 3 * 1024 * 1024;

export function tooLarge(limitBytes: number) {
  return errors.tooLarge(`Request entity too large: limit is ${limitBytes}`);
}

/**
 * Collects the body. Rejects with 413 as soon as Content-Length or the bytes received pass the limit;
 * the rest of the body is drained and discarded so the caller can still answer on the connection.
 */
export function readBody(req: IncomingMessage, limitBytes = DEFAULT_BODY_LIMIT): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limitBytes) {
      req.resume();
      reject(tooLarge(limitBytes));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    const onData = (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > limitBytes) {
        failed = true;
        chunks.length = 0;
        reject(tooLarge(limitBytes));
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => {
      if (!failed) resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size));
    });
    req.once('error', (err) => {
      if (!failed) {
        failed = true;
        reject(errors.badRequest(`error reading request body: ${err.message}`));
      }
    });
  });
}
