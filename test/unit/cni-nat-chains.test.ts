import { test } from 'node:test';
import assert from 'node:assert/strict';
import { natChainsOf } from '../../src/kubelet/network/cni-config.js';

test('finds the ipMasq NAT chains the bridge plugin made for one network only', () => {
  const rules = [
    '-N CNI-aaa111',
    '-N CNI-bbb222',
    '-A POSTROUTING -s 10.42.1.2/32 -m comment --comment "name: \\"k8tsa1\\" id: \\"x\\"" -j CNI-aaa111',
    '-A CNI-aaa111 -d 10.42.1.0/24 -m comment --comment "name: \\"k8tsa1\\" id: \\"x\\"" -j ACCEPT',
    '-A CNI-bbb222 -d 10.42.2.0/24 -m comment --comment "name: \\"cni0\\" id: \\"y\\"" -j ACCEPT',
  ].join('\n');
  assert.deepEqual(natChainsOf(rules, 'k8tsa1'), ['CNI-aaa111']);
  assert.deepEqual(natChainsOf(rules, 'cni0'), ['CNI-bbb222']);
  assert.deepEqual(natChainsOf(rules, 'other'), []);
});
