// Rows for apiregistration.k8s.io APIServices: where the group is served from and whether it
// is available.
import { AGE, NAME, col, columns } from './columns.js';
import { translateTimestampSince } from './duration.js';
import type { Obj, Printer } from './types.js';

function availability(o: Obj): string {
  const conds = o?.status?.conditions;
  if (Array.isArray(conds)) {
    for (const c of conds) {
      if (c?.type !== 'Available') continue;
      if (c.status === 'True' || !c.reason) return c.status ?? '';
      return `${c.status} (${c.reason})`;
    }
  }
  return 'Unknown';
}

export const apiServicePrinter: Printer = {
  columns: columns(
    NAME,
    col('Service', 'string', 'Service that serves the group, or Local.'),
    col('Available', 'string', 'Whether the group is reachable, with the reason when not.'),
    AGE,
  ),
  cells(o, now) {
    const svc = o?.spec?.service;
    return [
      o?.metadata?.name ?? '',
      svc ? `${svc.namespace ?? ''}/${svc.name ?? ''}` : 'Local',
      availability(o),
      translateTimestampSince(o?.metadata?.creationTimestamp, now),
    ];
  },
};
