// Allocation failures in upstream's wording, as 422 causes on the Service fields they concern.
import { errors, fieldErrors, type StatusError } from '../errors.js';

export class AllocationError extends Error {
  constructor(readonly kind: 'allocated' | 'notInRange' | 'full', message: string) {
    super(message);
    this.name = 'AllocationError';
  }
}

/** 422 for a Service whose clusterIPs could not be allocated (or 500 when the range is full). */
export function clusterIPError(name: string, clusterIPs: string[], ip: string, err: AllocationError): StatusError {
  if (err.kind === 'full') return errors.internal(`failed to allocate a serviceIP: ${err.message}`);
  return errors.invalid('Service', '', name, [fieldErrors.invalid('spec.clusterIPs', clusterIPs, `failed to allocate IP ${ip}: ${err.message}`)]);
}

/** 422 for a Service port whose nodePort could not be allocated. */
export function nodePortError(name: string, portIndex: number, nodePort: number, err: AllocationError): StatusError {
  if (err.kind === 'full') return errors.internal(`failed to allocate a nodePort: ${err.message}`);
  return errors.invalid('Service', '', name, [fieldErrors.invalid(`spec.ports[${portIndex}].nodePort`, nodePort, err.message)]);
}
