// Request fairness (issue 7): a per-user fair queue in front of request handling.
export { FairQueue, isExempt, tooManyRequests, type FairQueueOptions, type Release } from './fair-queue.js';
