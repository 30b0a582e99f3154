// core/v1 Event <-> events.k8s.io/v1 Event: one stored object, two field layouts.
import type { KubeObject } from '../object.js';
import type { VersionConverter } from './types.js';

function pick(o: any, pairs: [string, string][]): any {
  const out: any = {};
  for (const [from, to] of pairs) if (o[from] !== undefined) out[to] = o[from];
  return out;
}

/** Field pairs: [core/v1 name, events.k8s.io/v1 name]. */
const PAIRS: [string, string][] = [
  ['involvedObject', 'regarding'],
  ['related', 'related'],
  ['reason', 'reason'],
  ['message', 'note'],
  ['type', 'type'],
  ['action', 'action'],
  ['eventTime', 'eventTime'],
  ['reportingComponent', 'reportingController'],
  ['reportingInstance', 'reportingInstance'],
  ['source', 'deprecatedSource'],
  ['firstTimestamp', 'deprecatedFirstTimestamp'],
  ['lastTimestamp', 'deprecatedLastTimestamp'],
  ['count', 'deprecatedCount'],
  ['series', 'series'],
];

export function coreToEventsV1(obj: KubeObject): KubeObject {
  const o = obj as any;
  const out = { apiVersion: 'events.k8s.io/v1', kind: 'Event', metadata: o.metadata, ...pick(o, PAIRS) };
  if (out.series) out.series = { count: out.series.count, lastObservedTime: out.series.lastObservedTime };
  return out as KubeObject;
}

export function eventsV1ToCore(obj: KubeObject): KubeObject {
  const o = obj as any;
  const reversed = PAIRS.map(([a, b]) => [b, a] as [string, string]);
  return { apiVersion: 'v1', kind: 'Event', metadata: o.metadata, ...pick(o, reversed) } as KubeObject;
}

export const eventConverter: VersionConverter = {
  storageVersion: 'v1',
  fromStorage: (obj, v) => (v === 'events.k8s.io/v1' ? coreToEventsV1(obj) : obj),
  toStorage: (obj, v) => (v === 'events.k8s.io/v1' ? eventsV1ToCore(obj) : obj),
};
