// SqliteStore against the shared Store suite, plus SQLite-only behaviour: kill -9 durability.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { Store } from '../../src/store/types.js';
import { runStoreSuite } from './store-suite.js';

runStoreSuite('sqlite (file)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'k8ts-sqlite-'));
  const path = join(dir, 'state.db');
  let store: Store = SqliteStore.open(path);
  return {
    store,
    async reopen() {
      await store.close();
      store = SqliteStore.open(path);
      return store;
    },
    async cleanup() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe('SqliteStore in memory', () => {
  it('works on :memory:', async () => {
    const s = new SqliteStore({ path: ':memory:' });
    const rev = await s.create('/a', Buffer.from('x'));
    assert.equal((await s.get('/a'))!.modRevision, rev);
    await s.close();
  });
});

describe('SqliteStore durability', () => {
  it('keeps every acknowledged write after kill -9', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'k8ts-sqlite-kill-'));
    const path = join(dir, 'state.db');
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./sqlite-writer.child.ts', import.meta.url)), path], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const acked: { rev: number; key: string }[] = [];
    let buf = '';
    let timer: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve, reject) => {
      timer = setTimeout(resolve, 20_000);
      child.on('error', reject);
      child.stdout!.on('data', (chunk: Buffer) => {
        buf += chunk.toString();
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const [rev, key] = buf.slice(0, nl).split(' ');
          buf = buf.slice(nl + 1);
          acked.push({ rev: Number(rev), key });
        }
        if (acked.length >= 300) resolve();
      });
    });
    clearTimeout(timer);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    assert.ok(acked.length > 0, 'child acknowledged no writes');
    const store = SqliteStore.open(path);
    try {
      const lastAcked = Math.max(...acked.map((a) => a.rev));
      assert.ok((await store.currentRevision()) >= lastAcked);
      for (const a of acked) assert.equal((await store.get(a.key))?.modRevision, a.rev, `lost ${a.key}`);
      assert.ok((await store.create('/after-crash', Buffer.from('x'))) > lastAcked);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
