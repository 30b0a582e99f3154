import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { EncryptedStore, loadEncryptionConfig, parseEncryptionConfig, rewriteAll } from '../../src/auth/encryption/index.js';
import { secretboxOpen, secretboxSeal } from '../../src/auth/encryption/secretbox.js';

const k1 = Buffer.alloc(32, 1).toString('base64');
const k2 = Buffer.alloc(32, 2).toString('base64');
const config = (providers: string) => `apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
  - resources: [secrets]
    providers:
${providers}`;
const aescbcK1 = `      - aescbc:
          keys:
            - name: key1
              secret: ${k1}
`;
const PLAIN = Buffer.from(JSON.stringify({ kind: 'Secret', data: { password: Buffer.from('hunter2-very-secret').toString('base64') } }));
const KEY = '/registry/secrets/default/s1';

describe('encryption providers', () => {
  for (const [name, providers, prefix] of [
    ['aescbc', aescbcK1, 'k8s:enc:aescbc:v1:key1:'],
    ['aesgcm', `      - aesgcm:\n          keys:\n            - name: g\n              secret: ${k1}\n`, 'k8s:enc:aesgcm:v1:g:'],
    ['secretbox', `      - secretbox:\n          keys:\n            - name: sb\n              secret: ${k1}\n`, 'k8s:enc:secretbox:v1:sb:'],
  ] as const) {
    it(`${name} round-trips with the upstream prefix`, () => {
      const t = parseEncryptionConfig(config(providers)).transformerFor(KEY)!;
      const stored = t.toStore(KEY, PLAIN);
      assert.ok(stored.subarray(0, prefix.length).equals(Buffer.from(prefix)));
      assert.equal(stored.indexOf('hunter2'), -1);
      assert.deepEqual(t.fromStore(KEY, stored), { value: PLAIN, stale: false });
    });
  }
  it('aescbc payload is IV + PKCS#7 CBC ciphertext', () => {
    const t = parseEncryptionConfig(config(aescbcK1)).transformerFor(KEY)!;
    const payload = t.toStore(KEY, Buffer.from('x')).subarray('k8s:enc:aescbc:v1:key1:'.length);
    assert.equal(payload.length, 32);
  });
  it('aesgcm binds the ciphertext to its key', () => {
    const t = parseEncryptionConfig(config(`      - aesgcm:\n          keys:\n            - name: g\n              secret: ${k1}\n`)).transformerFor(KEY)!;
    const stored = t.toStore(KEY, PLAIN);
    assert.throws(() => t.fromStore('/registry/secrets/default/other', stored), /authentication failed/);
  });
  it('secretbox matches the NaCl test vector', () => {
    const h = (s: string) => Buffer.from(s, 'hex');
    const key = h('1b27556473e985d462cd51197a9a46c76009549eac6474f206c4ee0844f68389');
    const nonce = h('69696ee955b62b73cd62bda875fc73d68219e0036b7a0b37');
    const m = h('be075fc53c81f2d5cf141316ebeb0c7b5228c52a4c62cbd44b66849b64244ffce5ecbaaf33bd751a1ac728d45e6c61296cdc3c01233561f41db66cce314adb310e3be8250c46f06dceea3a7fa1348057e2f6556ad6b1318a024a838f21af1fde048977eb48f59ffd4924ca1c60902e52f0a089bc76897040e082f937763848645e0705');
    const c = secretboxSeal(m, nonce, key);
    assert.equal(c.subarray(0, 16).toString('hex'), 'f3ffc7703f9400e52a7dfb4b3d3305d9');
    assert.ok(c.toString('hex').endsWith('e355a5'));
    assert.ok(secretboxOpen(c, nonce, key)!.equals(m));
    c[20]! ^= 1;
    assert.equal(secretboxOpen(c, nonce, key), undefined);
  });
  it('other resources are not transformed; identity reads plaintext as stale', () => {
    const cfg = parseEncryptionConfig(config(aescbcK1 + '      - identity: {}\n'));
    assert.equal(cfg.transformerFor('/registry/configmaps/default/c'), undefined);
    const t = cfg.transformerFor(KEY)!;
    assert.deepEqual(t.fromStore(KEY, PLAIN), { value: PLAIN, stale: true });
  });
  it('rejects kms and unknown providers', () => {
    assert.throws(() => parseEncryptionConfig(config('      - kms: {name: x}\n')), /kms providers are not supported/);
  });
});

describe('EncryptedStore', () => {
  it('keeps plaintext out of the SQLite file and rotates keys by rewriting', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'k8ts-enc-'));
    try {
      const dbPath = join(dir, 'state.db');
      const cfgPath = join(dir, 'enc.yaml');
      writeFileSync(cfgPath, config(aescbcK1));
      const raw = SqliteStore.open(dbPath);
      let store = new EncryptedStore(raw, loadEncryptionConfig(cfgPath).transformerFor);
      await store.create(KEY, PLAIN);
      await store.create('/registry/configmaps/default/c', Buffer.from('{"visible":"plain-config"}'));
      assert.deepEqual((await store.get(KEY))!.value, PLAIN);
      assert.deepEqual((await store.list('/registry/secrets/')).kvs[0]!.value, PLAIN);
      assert.ok((await raw.get(KEY))!.value.toString().startsWith('k8s:enc:aescbc:v1:key1:'));

      // Rotation: a new first key, the old one still readable.
      writeFileSync(cfgPath, config(`      - aescbc:\n          keys:\n            - name: key2\n              secret: ${k2}\n            - name: key1\n              secret: ${k1}\n`));
      store = new EncryptedStore(raw, loadEncryptionConfig(cfgPath).transformerFor);
      assert.deepEqual((await store.get(KEY))!.value, PLAIN);
      const res = await rewriteAll(store, '/registry/');
      assert.deepEqual(res, { scanned: 2, rewritten: 1 });
      assert.ok((await raw.get(KEY))!.value.toString().startsWith('k8s:enc:aescbc:v1:key2:'));
      assert.deepEqual((await store.get(KEY))!.value, PLAIN);

      await raw.compact(await raw.currentRevision());
      await raw.close();
      const bytes = readFileSync(dbPath);
      assert.equal(bytes.indexOf('hunter2'), -1);
      assert.equal(bytes.indexOf(Buffer.from('hunter2-very-secret').toString('base64')), -1);
      assert.notEqual(bytes.indexOf('plain-config'), -1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
