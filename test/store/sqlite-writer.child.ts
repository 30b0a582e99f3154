// Child process for the kill -9 durability test: writes forever from several concurrent loops
// and prints "<revision> <key>" for each acknowledged write.

import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';

const store = SqliteStore.open(process.argv[2]);
const value = Buffer.alloc(512, 7);
let n = 0;
async function loop(id: number) {
  for (;;) {
    const key = `/durable/${id}/${n++}`;
    const rev = await store.create(key, value);
    process.stdout.write(`${rev} ${key}\n`);
  }
}
for (let i = 0; i < 8; i++) void loop(i);
