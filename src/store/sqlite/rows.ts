// Turning raw log rows into the Store's KeyValue / StoreWatchEvent shapes.
// A created row stores create_revision 0 (its own id is not known before the insert; kine's
// convention), so the create revision of a row is "created ? id : create_revision".

import type { KeyValue, StoreWatchEvent } from '../types.js';
import { Col, EvCol, type EventRow, type LogRow } from './statements.js';

export function rowCreateRevision(row: LogRow): number {
  return row[Col.Created] ? row[Col.Id] : row[Col.CreateRevision];
}

export function rowToKeyValue(row: LogRow): KeyValue {
  return {
    key: row[Col.Name],
    value: row[Col.Value],
    createRevision: row[Col.Created] ? row[Col.Id] : row[Col.CreateRevision],
    modRevision: row[Col.Id],
  };
}

export function eventRowToEvent(row: EventRow): StoreWatchEvent {
  const kv = rowToKeyValue(row as unknown as LogRow);
  const prevId = row[EvCol.PrevId];
  const prevKv: KeyValue | undefined =
    prevId === null
      ? undefined
      : {
          key: kv.key,
          value: row[EvCol.PrevValue]!,
          createRevision: row[EvCol.PrevCreated] ? prevId : row[EvCol.PrevCreateRevision]!,
          modRevision: prevId,
        };
  if (row[Col.Deleted]) return { type: 'DELETE', kv, prevKv, created: false };
  if (row[Col.Created]) return { type: 'PUT', kv, created: true };
  return { type: 'PUT', kv, prevKv, created: false };
}
