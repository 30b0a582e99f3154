// Keeps the record index in step with the informers: any event on a Service or on one of its
// EndpointSlices recomputes that one Service's records (level-triggered: the records are a pure
// function of the cached objects, never of the event).
import type { Informer } from '../client/informer-types.js';
import type { KubeObject } from '../api/object.js';
import type { RecordIndex } from './record-index.js';
import { SERVICE_NAME_LABEL, serviceRecords, type EndpointSliceObject, type ServiceObject } from './service-records.js';

export const BY_SERVICE_INDEX = 'dns-by-service';

/** "ns/name" of the Service an EndpointSlice belongs to, if labelled. */
export function sliceServiceKey(slice: EndpointSliceObject): string | undefined {
  const svc = slice.metadata.labels?.[SERVICE_NAME_LABEL];
  return svc ? `${slice.metadata.namespace}/${svc}` : undefined;
}

export function syncZone(index: RecordIndex, services: Informer<KubeObject>, slices: Informer<KubeObject>): void {
  slices.addIndexers({
    [BY_SERVICE_INDEX]: (s) => {
      const k = sliceServiceKey(s as unknown as EndpointSliceObject);
      return k ? [k] : [];
    },
  });
  const recompute = (key: string): void => {
    const svc = services.store.get(key) as unknown as ServiceObject | undefined;
    if (!svc) {
      index.deleteService(key);
      return;
    }
    const own = slices.store.byIndex(BY_SERVICE_INDEX, key) as unknown as EndpointSliceObject[];
    index.setService(key, serviceRecords(svc, own, index.zone));
  };
  const keyOf = (o: KubeObject): string => `${o.metadata.namespace}/${o.metadata.name}`;
  services.addEventHandler({
    onAdd: (o) => recompute(keyOf(o)),
    onUpdate: (_old, o) => recompute(keyOf(o)),
    onDelete: (o) => index.deleteService(keyOf(o)),
  });
  const onSlice = (o: KubeObject): void => {
    const k = sliceServiceKey(o as unknown as EndpointSliceObject);
    if (k) recompute(k);
  };
  slices.addEventHandler({
    onAdd: onSlice,
    onUpdate: (old, o) => {
      const before = sliceServiceKey(old as unknown as EndpointSliceObject);
      const after = sliceServiceKey(o as unknown as EndpointSliceObject);
      if (before && before !== after) recompute(before);
      if (after) recompute(after);
    },
    onDelete: onSlice,
  });
}
