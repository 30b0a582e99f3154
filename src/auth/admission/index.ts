// Admission control (issue 7): built-in admission plugins and the webhook dispatchers, composed
// by createAdmissionChain. Plugins read cluster state through an ObjectLookup and refuse with
// StatusErrors in upstream's wording; they never write to storage.
export { createAdmissionChain, chainOf, defaultPlugins, type AdmissionChain, type AdmissionChainDeps } from './chain.js';
export { lookupFromStorages, lookupFromClient, staticLookup, type ObjectLookup } from './lookup.js';
export type { AdmissionRequest } from './attributes.js';
export { admissionHooks, admissionAttributes, type AdmissionHooks } from './hooks.js';
