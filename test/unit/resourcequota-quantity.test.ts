import { test } from 'node:test';
import assert from 'node:assert/strict';
import { add, canonical, formatQuantity, parseQuantity } from '../../src/api/quantity.js';

test('canonical forms match upstream', () => {
  const cases: [string, string][] = [
    ['2000m', '2'], ['1500m', '1500m'], ['0.5', '500m'], ['1', '1'], ['1000', '1k'], ['1Gi', '1Gi'], ['1024Mi', '1Gi'],
    ['1536Mi', '1536Mi'], ['512', '512'], ['1.5Gi', '1536Mi'], ['100M', '100M'], ['1e3', '1e3'], ['0', '0'], ['0.1', '100m'], ['2Ki', '2Ki'], ['1200Ki', '1200Ki'],
  ];
  for (const [input, want] of cases) assert.equal(canonical(input), want, input);
  assert.equal(canonical('abc'), undefined);
  assert.equal(canonical('1.2.3'), undefined);
  assert.equal(canonical(3), '3');
});

test('sums are exact and keep the first non-zero format', () => {
  const sum = [parseQuantity('100m')!, parseQuantity('0.2')!, parseQuantity('700m')!].reduce(add);
  assert.equal(formatQuantity(sum), '1');
  assert.equal(formatQuantity(add(parseQuantity('128Mi')!, parseQuantity('256Mi')!)), '384Mi');
  assert.equal(formatQuantity(add(parseQuantity('1Gi')!, parseQuantity('500M')!)), '1573741824');
});
