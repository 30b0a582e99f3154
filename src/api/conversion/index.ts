// Which stored resources are served in more than one layout, and how to convert.
import type { VersionConverter } from './types.js';
import { hpaConverter } from './hpa.js';
import { eventConverter } from './events.js';

export type { VersionConverter } from './types.js';

/** Resources served by several group-versions that share one storage, keyed "group/plural". */
export const sharedStorage: Record<string, { storageKey: string; converter: VersionConverter }> = {
  'autoscaling/horizontalpodautoscalers': { storageKey: 'autoscaling/horizontalpodautoscalers', converter: hpaConverter },
  '/events': { storageKey: '/events', converter: eventConverter },
  'events.k8s.io/events': { storageKey: '/events', converter: eventConverter },
};
