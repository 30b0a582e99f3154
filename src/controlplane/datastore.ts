// Chooses the datastore from --datastore-endpoint: an etcd cluster (etcd://h:p,h:p) or, by
// default, the embedded SQLite file in the data dir.
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Logger } from 'pino';
import type { Store } from '../store/types.js';
import { SqliteStore } from '../store/sqlite/sqlite-store.js';
import { EtcdStore } from '../store/etcd/etcd-store.js';

export async function openStore(dataDir: string, endpoint: string | undefined, log: Logger): Promise<Store> {
  if (endpoint && /^(etcd|https?):\/\//.test(endpoint)) {
    const endpoints = endpoint.replace(/^(etcd|https?):\/\//, '').split(',').map((e) => e.replace(/^(etcd|https?):\/\//, '').trim()).filter(Boolean);
    log.info({ endpoints }, 'using etcd datastore');
    return new EtcdStore({ endpoints });
  }
  const path = endpoint?.startsWith('sqlite://') ? endpoint.slice('sqlite://'.length) : join(dataDir, 'db', 'state.db');
  log.info({ path }, 'using sqlite datastore');
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  return SqliteStore.open(path);
}
