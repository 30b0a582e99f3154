import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StatusError } from '../../src/api/errors.js';
import { applyJsonPatch } from '../../src/api/patch/json-patch.js';
import { applyMergePatch, applyMergePatchToObject } from '../../src/api/patch/merge-patch.js';
import { applyPatch, patchTypeOf } from '../../src/api/patch/index.js';

function statusOf(fn: () => unknown): StatusError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof StatusError, `expected StatusError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected an error');
}

describe('RFC 6902 JSON patch', () => {
  it('adds an object member (A.1) without touching the input', () => {
    const doc = { foo: 'bar' };
    assert.deepEqual(applyJsonPatch(doc, [{ op: 'add', path: '/baz', value: 'qux' }]), { baz: 'qux', foo: 'bar' });
    assert.deepEqual(doc, { foo: 'bar' });
  });
  it('adds an array element (A.2) and appends with "-"', () => {
    assert.deepEqual(applyJsonPatch({ foo: ['bar', 'baz'] }, [{ op: 'add', path: '/foo/1', value: 'qux' }]), { foo: ['bar', 'qux', 'baz'] });
    assert.deepEqual(applyJsonPatch({ foo: [1] }, [{ op: 'add', path: '/foo/-', value: 2 }]), { foo: [1, 2] });
  });
  it('removes members and elements (A.3, A.4)', () => {
    assert.deepEqual(applyJsonPatch({ baz: 'qux', foo: 'bar' }, [{ op: 'remove', path: '/baz' }]), { foo: 'bar' });
    assert.deepEqual(applyJsonPatch({ foo: ['bar', 'qux', 'baz'] }, [{ op: 'remove', path: '/foo/1' }]), { foo: ['bar', 'baz'] });
  });
  it('replaces, moves and copies (A.5, A.6, A.7)', () => {
    assert.deepEqual(applyJsonPatch({ baz: 'qux', foo: 'bar' }, [{ op: 'replace', path: '/baz', value: 'boo' }]), { baz: 'boo', foo: 'bar' });
    assert.deepEqual(
      applyJsonPatch({ foo: { bar: 'baz', waldo: 'fred' }, qux: { corge: 'grault' } }, [{ op: 'move', from: '/foo/waldo', path: '/qux/thud' }]),
      { foo: { bar: 'baz' }, qux: { corge: 'grault', thud: 'fred' } },
    );
    assert.deepEqual(applyJsonPatch({ foo: ['all', 'grass', 'cows', 'eat'] }, [{ op: 'move', from: '/foo/1', path: '/foo/3' }]), { foo: ['all', 'cows', 'eat', 'grass'] });
    assert.deepEqual(applyJsonPatch({ a: { b: 1 } }, [{ op: 'copy', from: '/a', path: '/c' }]), { a: { b: 1 }, c: { b: 1 } });
  });
  it('tests values (A.8) and fails with upstream 422 (A.9)', () => {
    const doc = { baz: 'qux', foo: ['a', 2, 'c'] };
    assert.deepEqual(applyJsonPatch(doc, [{ op: 'test', path: '/baz', value: 'qux' }, { op: 'test', path: '/foo/1', value: 2 }]), doc);
    const e = statusOf(() => applyJsonPatch(doc, [{ op: 'test', path: '/baz', value: 'bar' }]));
    assert.equal(e.code, 422);
    assert.equal(e.reason, 'Invalid');
    assert.equal(e.message, 'the server rejected our request due to an error in our request');
  });
  it('unescapes ~0 and ~1 (A.14 and annotations with slashes)', () => {
    assert.deepEqual(applyJsonPatch({ '/': 9, '~1': 10 }, [{ op: 'test', path: '/~01', value: 10 }, { op: 'remove', path: '/~1' }]), { '~1': 10 });
    const pod = { metadata: { annotations: { 'example.com/x': 'a' } } };
    assert.deepEqual(applyJsonPatch(pod, [{ op: 'replace', path: '/metadata/annotations/example.com~1x', value: 'b' }]), { metadata: { annotations: { 'example.com/x': 'b' } } });
  });
  it('fails on missing paths for replace/remove and missing parents for add', () => {
    for (const ops of [[{ op: 'replace', path: '/nope', value: 1 }], [{ op: 'remove', path: '/nope' }], [{ op: 'add', path: '/a/b/c', value: 1 }], [{ op: 'bogus', path: '/x' }]]) {
      assert.equal(statusOf(() => applyJsonPatch({ a: {} }, ops)).code, 422);
    }
  });
  it('rejects a body that is not a list of operations with 400', () => {
    assert.equal(statusOf(() => applyJsonPatch({}, { op: 'add' })).code, 400);
    assert.equal(statusOf(() => applyJsonPatch({}, [1])).code, 400);
  });
  it('kubectl rollout undo shape: replace the whole template', () => {
    const dep = { spec: { template: { spec: { containers: [{ name: 'a', image: 'v2' }] } } } };
    const out = applyPatch('json', dep, [{ op: 'replace', path: '/spec/template', value: { spec: { containers: [{ name: 'a', image: 'v1' }] } } }], undefined, { resolve: (n) => n });
    assert.equal((out.spec as any).template.spec.containers[0].image, 'v1');
  });
});

describe('RFC 7386 JSON merge patch', () => {
  const cases: [unknown, unknown, unknown][] = [
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [['a', 'b'], ['c', 'd'], ['c', 'd']],
    [{ a: 'b' }, ['c'], ['c']],
    [{ a: 'foo' }, null, null],
    [{ a: 'foo' }, 'bar', 'bar'],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ];
  for (const [doc, patch, want] of cases) {
    it(`${JSON.stringify(doc)} + ${JSON.stringify(patch)}`, () => {
      const before = JSON.stringify(doc);
      assert.deepEqual(applyMergePatch(doc as any, patch as any), want);
      assert.equal(JSON.stringify(doc), before);
    });
  }
  it('kubectl label/scale bodies', () => {
    const obj = { metadata: { name: 'x', labels: { a: '1' } }, spec: { replicas: 1 } };
    assert.deepEqual(applyMergePatchToObject(obj, { metadata: { labels: { z: '1', a: null } } }).metadata, { name: 'x', labels: { z: '1' } });
    assert.deepEqual(applyMergePatchToObject(obj, { spec: { replicas: 3 } }).spec, { replicas: 3 });
  });
  it('rejects a non-object patch to an object with 400', () => {
    assert.equal(statusOf(() => applyMergePatchToObject({}, [1])).code, 400);
  });
  it('maps content types', () => {
    assert.equal(patchTypeOf('application/strategic-merge-patch+json; charset=utf-8'), 'strategic');
    assert.equal(patchTypeOf('application/apply-patch+yaml'), 'apply');
    assert.equal(patchTypeOf('text/plain'), undefined);
  });
});
