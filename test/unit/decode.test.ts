import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import { decodeJsonBody, decodeYamlBody, readBody, MAX_JSON_DEPTH } from '../../src/api/decode/body.js';
import { StatusError } from '../../src/api/errors.js';

const status = (code: number) => (e: unknown) => e instanceof StatusError && e.code === code;

test('JSON: plain bodies decode (fast and slow path agree)', () => {
  const text = '{"kind":"ConfigMap","data":{"a":"\\u003cx\\u003e","b":"line\\nbreak"},"n":[1,-2.5,3e2,true,false,null]}';
  const expected = JSON.parse(text);
  assert.deepEqual(decodeJsonBody(Buffer.from(text)).value, expected);
  assert.deepEqual(decodeJsonBody(text, { strictDuplicates: true }).value, expected);
  assert.deepEqual(decodeJsonBody('{"a":"b"}').duplicates, []);
});

test('JSON: duplicate fields are reported with upstream paths; last value wins', () => {
  const r = decodeJsonBody('{"metadata":{"name":"a","name":"b"},"spec":{"containers":[{"image":"x"},{"image":"y","image":"z"}]},"kind":"A","kind":"B"}', { strictDuplicates: true });
  assert.deepEqual(r.duplicates, ['metadata.name', 'spec.containers[1].image', 'kind']);
  assert.equal((r.value as any).metadata.name, 'b');
  assert.equal((r.value as any).spec.containers[1].image, 'z');
  assert.deepEqual(decodeJsonBody('{"a":1,"a":2}').duplicates, []);
});

test('JSON: __proto__ keys are refused, also when escaped', () => {
  for (const text of ['{"__proto__":{"polluted":1}}', '{"a":{"\\u005f_proto__":{"polluted":1}}}', '{"__proto__":1}']) {
    assert.throws(() => decodeJsonBody(text), status(400), text);
    assert.throws(() => decodeJsonBody(text, { strictDuplicates: true }), status(400), text);
  }
  assert.equal(({} as any).polluted, undefined);
  // A value that merely contains the text is fine.
  assert.deepEqual(decodeJsonBody('{"a":"__proto__"}').value, { a: '__proto__' });
});

test('JSON: nesting beyond the limit is refused without a stack overflow', () => {
  const deep = (n: number) => '['.repeat(n) + ']'.repeat(n);
  assert.doesNotThrow(() => decodeJsonBody(deep(MAX_JSON_DEPTH)));
  assert.throws(() => decodeJsonBody(deep(MAX_JSON_DEPTH + 1)), status(400));
  assert.throws(() => decodeJsonBody('{"a":' + deep(3 * 1024 * 1024 / 2) + '}', { strictDuplicates: true }), status(400));
  assert.throws(() => decodeJsonBody('{"a":' + '['.repeat(3 * 1024 * 1024)), status(400));
});

test('JSON: syntax errors are 400 with a readable message', () => {
  for (const bad of ['', '   ', '{', '{"a":1,}', '{"a" 1}', '[1 2]', '{"a":tru}', '"abc', '01', '{"a":1} x', '{"a":"\u0001"}']) {
    assert.throws(() => decodeJsonBody(bad), (e: unknown) => status(400)(e) && /JSON/.test((e as Error).message), JSON.stringify(bad));
  }
});

test('YAML: yaml.v2-style scalars', () => {
  const r = decodeYamlBody('a: yes\nb: off\nc: 0777\nd: 2001-12-14\ne: 1:20\nf: 1_000\ng: ~\nh: "on"\ni: 0x1F\nj: 1.5\n');
  assert.deepEqual(r.value, { a: true, b: false, c: 511, d: '2001-12-14', e: '1:20', f: 1000, g: null, h: 'on', i: 31, j: 1.5 });
});

test('YAML: anchors, aliases and merge keys work within limits', () => {
  const r = decodeYamlBody('base: &b {x: 1}\nuse: *b\nmerged:\n  <<: *b\n  w: 2\n');
  assert.deepEqual(r.value, { base: { x: 1 }, use: { x: 1 }, merged: { x: 1, w: 2 } });
  // As in yaml.v2, a bare y key is the boolean true.
  assert.deepEqual(decodeYamlBody('y: 1\n').value, { true: 1 });
});

test('YAML: billion-laughs alias bomb is refused', () => {
  const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (const [p, c] of [['a', 'b'], ['b', 'c'], ['c', 'd'], ['d', 'e'], ['e', 'f'], ['f', 'g'], ['g', 'h'], ['h', 'i']]) {
    lines.push(`${c}: &${c} [${Array(9).fill('*' + p).join(',')}]`);
  }
  assert.throws(() => decodeYamlBody(lines.join('\n')), (e: unknown) => status(400)(e) && /alias/i.test((e as Error).message));
});

test('YAML: deep nesting is refused before the parser can overflow', () => {
  assert.throws(() => decodeYamlBody('a: ' + '['.repeat(5000) + ']'.repeat(5000)), status(400));
  assert.throws(() => decodeYamlBody(Array.from({ length: 600 }, (_, i) => ' '.repeat(i) + 'k:').join('\n') + ' 1'), status(400));
  assert.doesNotThrow(() => decodeYamlBody(Array.from({ length: 50 }, (_, i) => '  '.repeat(i) + 'k:').join('\n') + ' 1'));
});

test('YAML: __proto__, duplicates, multiple documents, syntax errors', () => {
  assert.throws(() => decodeYamlBody('__proto__: {polluted: 1}\n'), status(400));
  assert.throws(() => decodeYamlBody('a:\n  "__proto__": 1\n'), status(400));
  assert.equal(({} as any).polluted, undefined);
  const d = decodeYamlBody('metadata:\n  name: a\n  name: b\nlist:\n- x: 1\n  x: 2\n', { strictDuplicates: true });
  assert.deepEqual(d.duplicates.sort(), ['list[0].x', 'metadata.name']);
  assert.deepEqual(d.value, { metadata: { name: 'b' }, list: [{ x: 2 }] });
  assert.throws(() => decodeYamlBody('a: 1\n---\nb: 2\n'), status(400));
  assert.deepEqual(decodeYamlBody('---\na: 1\n').value, { a: 1 });
  assert.throws(() => decodeYamlBody('a: [1, 2\n'), status(400));
  assert.throws(() => decodeYamlBody('a: .inf\n'), status(400));
});

function fakeRequest(chunks: Buffer[], headers: Record<string, string> = {}): IncomingMessage {
  const r = Readable.from(chunks) as unknown as IncomingMessage;
  (r as any).headers = headers;
  return r;
}

test('readBody: collects chunks, refuses oversize bodies with 413', async () => {
  const body = await readBody(fakeRequest([Buffer.from('ab'), Buffer.from('cd')]), 10);
  assert.equal(body.toString(), 'abcd');
  await assert.rejects(readBody(fakeRequest([Buffer.alloc(6), Buffer.alloc(6)]), 10), (e: unknown) => status(413)(e) && (e as StatusError).reason === 'RequestEntityTooLarge');
  await assert.rejects(readBody(fakeRequest([Buffer.alloc(1)], { 'content-length': '4194304' })), status(413));
  assert.equal((await readBody(fakeRequest([]))).length, 0);
});
