// The kubelet's client certificate manager (upstream's certificate manager for
// kubelet-client-current.pem): sleeps until the rotation deadline (70-90% of the certificate's
// life), asks for a new certificate through a CSR made with the current identity (approved as
// selfnodeclient), stores it and hands it to the clients. Failed attempts are retried with
// back-off while the old certificate is still valid. Owns the stored client pair only.
import type { Logger } from 'pino';
import type { Clock } from '../../client/informer-types.js';
import { certificateTimes, rotationDeadline } from './rotation.js';
import type { CertificatePair } from './certificate-store.js';
import { sleep } from '../../util/sleep.js';

export interface CertificateManagerDeps {
  clock: Clock;
  logger: Logger;
  /** obtains a new pair (a CSR through the API with the current identity) */
  request(signal: AbortSignal): Promise<CertificatePair>;
  /** stores the new pair and switches the clients over */
  install(pair: CertificatePair): void | Promise<void>;
  /** random number in [0, 1) for the deadline's jitter */
  random?: () => number;
}

const RETRY_MIN_MS = 1_000;
const RETRY_MAX_MS = 60_000;

export class CertificateManager {
  private current: CertificatePair;
  private rotations = 0;

  constructor(private readonly deps: CertificateManagerDeps, initial: CertificatePair) {
    this.current = initial;
  }

  /** The pair in use now. */
  certificate(): CertificatePair {
    return this.current;
  }

  /** How many times the certificate was renewed since start. */
  rotationCount(): number {
    return this.rotations;
  }

  nextDeadline(): Date {
    return rotationDeadline(certificateTimes(this.current.certPem), (this.deps.random ?? Math.random)());
  }

  async run(signal: AbortSignal): Promise<void> {
    const { clock, logger } = this.deps;
    while (!signal.aborted) {
      const deadline = this.nextDeadline();
      logger.info({ deadline: deadline.toISOString() }, 'next client certificate rotation');
      await sleep(deadline.getTime() - clock.now().getTime(), signal);
      let backoff = RETRY_MIN_MS;
      while (!signal.aborted) {
        try {
          const pair = await this.deps.request(signal);
          await this.deps.install(pair);
          this.current = pair;
          this.rotations++;
          logger.info({ notAfter: certificateTimes(pair.certPem).notAfter.toISOString() }, 'client certificate rotated');
          break;
        } catch (err) {
          if (signal.aborted) return;
          logger.warn({ err, retryInMs: backoff }, 'client certificate rotation failed');
          await sleep(backoff, signal);
          backoff = Math.min(backoff * 2, RETRY_MAX_MS);
        }
      }
    }
  }
}
