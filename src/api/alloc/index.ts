// Service ClusterIP and NodePort allocators. This component owns only in-memory bookkeeping of
// which addresses and ports are taken; it never reads or writes the store (the Service REST
// layer marks existing allocations at start and calls allocate/release around writes).
export { IPAllocator, parseIPv4, formatIPv4 } from './ip.js';
export { PortAllocator } from './port.js';
export { AllocationError, clusterIPError, nodePortError } from './errors.js';
