import { test } from 'node:test';
import assert from 'node:assert/strict';
import { idleCniChains, natChainsOf } from '../../src/kubelet/network/cni-config.js';

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

test('idle CNI chains: portmap\'s once no hostPort is forwarded, and empty unreferenced pod chains', () => {
  const idle = [
    '-N CNI-HOSTPORT-DNAT',
    '-N CNI-HOSTPORT-MASQ',
    '-N CNI-bc3c7f85',
    '-N CNI-aaa111',
    '-A PREROUTING -m addrtype --dst-type LOCAL -j CNI-HOSTPORT-DNAT',
    '-A POSTROUTING -m comment --comment "CNI portfwd requiring masquerade" -j CNI-HOSTPORT-MASQ',
    '-A POSTROUTING -s 10.42.1.2/32 -j CNI-aaa111',
    '-A CNI-aaa111 -d 10.42.1.0/24 -j ACCEPT',
  ].join('\n');
  assert.deepEqual(idleCniChains(idle), {
    jumps: [
      '-A PREROUTING -m addrtype --dst-type LOCAL -j CNI-HOSTPORT-DNAT',
      '-A POSTROUTING -m comment --comment "CNI portfwd requiring masquerade" -j CNI-HOSTPORT-MASQ',
    ],
    chains: ['CNI-HOSTPORT-DNAT', 'CNI-HOSTPORT-MASQ', 'CNI-bc3c7f85'],
  });
  const forwarding = `${idle}\n-N CNI-DN-1\n-A CNI-HOSTPORT-DNAT -p tcp -m multiport --dports 8080 -j CNI-DN-1`;
  assert.deepEqual(idleCniChains(forwarding), { jumps: [], chains: ['CNI-bc3c7f85'] }, 'a forwarded hostPort keeps portmap\'s chains');
});
