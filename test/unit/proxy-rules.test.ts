import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  MAP_NO_ENDPOINT_NODEPORTS,
  MAP_NO_ENDPOINT_SERVICES,
  MAP_SERVICE_IPS,
  MAP_SERVICE_NODEPORTS,
  programFor,
  proxyTableName,
  serviceRulesFor,
  updateProgram,
  type ServiceRules,
} from '../../src/proxy/nft-rules.js';
import type { EndpointSliceLike, ServiceLike } from '../../src/proxy/service-model.js';

const node = { nodeName: 'n1', clusterCIDR: '10.42.0.0/16' };

function svc(name: string, spec: ServiceLike['spec'], status?: ServiceLike['status']): ServiceLike {
  return { metadata: { namespace: 'ns', name }, spec, ...(status ? { status } : {}) };
}

type Ep = { ip: string; ready?: boolean; serving?: boolean; terminating?: boolean; node?: string };
function slice(service: string, eps: Ep[], ports: { name?: string; port: number; protocol?: string }[]): EndpointSliceLike {
  return {
    metadata: { namespace: 'ns', name: `${service}-abc`, labels: { 'kubernetes.io/service-name': service } },
    addressType: 'IPv4',
    endpoints: eps.map((e) => ({
      addresses: [e.ip],
      conditions: { ready: e.ready ?? true, serving: e.serving ?? e.ready ?? true, terminating: e.terminating ?? false },
      nodeName: e.node ?? 'n1',
    })),
    ports: ports.map((p) => ({ name: p.name ?? '', port: p.port, protocol: p.protocol ?? 'TCP' })),
  };
}

function element(r: ServiceRules, map: string, key: string): string | undefined {
  return r.elements.get(`${map} ${key}`)?.verdict;
}
function chainStarting(r: ServiceRules, prefix: string): [string, string[]][] {
  return [...r.chains].filter(([n]) => n.startsWith(prefix));
}
function dnatTargets(r: ServiceRules): string[] {
  return chainStarting(r, 'ep-')
    .map(([, rules]) => rules.at(-1)!)
    .sort();
}

test('table name is per pod bridge so clusters on one machine never share a table', () => {
  assert.equal(proxyTableName(), 'k8ts-proxy');
  assert.equal(proxyTableName('cni0'), 'k8ts-proxy');
  assert.equal(proxyTableName('k8tse12'), 'k8ts-proxy-k8tse12');
});

test('a ClusterIP balances randomly over ready endpoints at the resolved named targetPort', () => {
  const r = serviceRulesFor(
    svc('web', { type: 'ClusterIP', clusterIP: '10.43.0.5', ports: [{ name: 'http', port: 80, protocol: 'TCP' }] }),
    [slice('web', [{ ip: '10.42.0.2' }, { ip: '10.42.0.3' }, { ip: '10.42.0.4', ready: false, serving: false }], [{ name: 'http', port: 8080 }])],
    node,
  );
  const [svcChain] = chainStarting(r, 'svc-');
  assert.ok(svcChain);
  assert.equal(element(r, MAP_SERVICE_IPS, '10.43.0.5 . tcp . 80'), `goto ${svcChain[0]}`);
  assert.match(svcChain[1].at(-1)!, /^numgen random mod 2 vmap \{ 0 : goto ep-.*, 1 : goto ep-.* \}$/);
  assert.deepEqual(dnatTargets(r), ['meta l4proto tcp dnat to 10.42.0.2:8080', 'meta l4proto tcp dnat to 10.42.0.3:8080']);
  // traffic from outside the pod range is masqueraded; a pod reaching itself (hairpin) too
  assert.ok(svcChain[1].includes('ip daddr 10.43.0.5 ip saddr != 10.42.0.0/16 jump mark-for-masquerade'));
  assert.ok(chainStarting(r, 'ep-').every(([, rules]) => /^ip saddr 10\.42\.0\.\d jump mark-for-masquerade$/.test(rules[0]!)));
});

test('numbered ports, UDP and a port the slice does not carry', () => {
  const r = serviceRulesFor(
    svc('dns', { clusterIP: '10.43.0.10', ports: [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'metrics', port: 9153 }] }),
    [slice('dns', [{ ip: '10.42.0.7' }], [{ name: 'dns', port: 5353, protocol: 'UDP' }])],
    node,
  );
  assert.deepEqual(dnatTargets(r), ['meta l4proto udp dnat to 10.42.0.7:5353']);
  assert.match(element(r, MAP_SERVICE_IPS, '10.43.0.10 . udp . 53')!, /^goto svc-/);
  assert.equal(element(r, MAP_NO_ENDPOINT_SERVICES, '10.43.0.10 . tcp . 9153'), 'goto reject-chain');
});

test('terminating endpoints serve only when no endpoint is ready', () => {
  const eps = [{ ip: '10.42.0.2', ready: false, serving: true, terminating: true }, { ip: '10.42.0.3', ready: false, serving: false, terminating: true }];
  const spec = { clusterIP: '10.43.0.5', ports: [{ port: 80 }] };
  const fallback = serviceRulesFor(svc('a', spec), [slice('a', eps, [{ port: 80 }])], node);
  assert.deepEqual(dnatTargets(fallback), ['meta l4proto tcp dnat to 10.42.0.2:80']);
  const withReady = serviceRulesFor(svc('a', spec), [slice('a', [...eps, { ip: '10.42.0.9' }], [{ port: 80 }])], node);
  assert.deepEqual(dnatTargets(withReady), ['meta l4proto tcp dnat to 10.42.0.9:80']);
});

test('a Service without endpoints is rejected on its ClusterIP and NodePort instead of timing out', () => {
  const r = serviceRulesFor(svc('none', { type: 'NodePort', clusterIP: '10.43.0.6', ports: [{ port: 81, nodePort: 30081 }] }), [], node);
  assert.equal(r.chains.size, 0);
  assert.equal(element(r, MAP_NO_ENDPOINT_SERVICES, '10.43.0.6 . tcp . 81'), 'goto reject-chain');
  assert.equal(element(r, MAP_NO_ENDPOINT_NODEPORTS, 'tcp . 30081'), 'goto reject-chain');
  assert.equal(element(r, MAP_SERVICE_IPS, '10.43.0.6 . tcp . 81'), undefined);
  const program = programFor('t', [svc('none', { clusterIP: '10.43.0.6', ports: [{ port: 81 }] })], [], node);
  assert.ok(program.includes('add rule ip t reject-chain meta l4proto tcp reject with tcp reset'));
});

test('NodePort, externalIPs and load-balancer IPs go through a masquerading external chain (policy Cluster)', () => {
  const r = serviceRulesFor(
    svc(
      'lb',
      { type: 'LoadBalancer', clusterIP: '10.43.0.7', externalIPs: ['192.0.2.9'], ports: [{ port: 80, nodePort: 30080 }] },
      { loadBalancer: { ingress: [{ ip: '192.0.2.10' }, { ip: '192.0.2.11', ipMode: 'Proxy' }] } },
    ),
    [slice('lb', [{ ip: '10.42.0.2', node: 'other' }], [{ port: 8080 }])],
    node,
  );
  const [ext] = chainStarting(r, 'ext-');
  const [svcChain] = chainStarting(r, 'svc-');
  assert.deepEqual(ext![1], ['jump mark-for-masquerade', `goto ${svcChain![0]}`]);
  assert.equal(element(r, MAP_SERVICE_NODEPORTS, 'tcp . 30080'), `goto ${ext![0]}`);
  assert.equal(element(r, MAP_SERVICE_IPS, '192.0.2.9 . tcp . 80'), `goto ${ext![0]}`);
  assert.equal(element(r, MAP_SERVICE_IPS, '192.0.2.10 . tcp . 80'), `goto ${ext![0]}`);
  assert.equal(element(r, MAP_SERVICE_IPS, '192.0.2.11 . tcp . 80'), undefined);
});

test('externalTrafficPolicy Local: external clients only reach local endpoints, without SNAT', () => {
  const spec = { type: 'NodePort', clusterIP: '10.43.0.8', externalTrafficPolicy: 'Local', ports: [{ port: 80, nodePort: 30090 }] };
  const r = serviceRulesFor(svc('loc', spec), [slice('loc', [{ ip: '10.42.0.2' }, { ip: '10.42.1.2', node: 'n2' }], [{ port: 80 }])], node);
  const [ext] = chainStarting(r, 'ext-');
  const [local] = chainStarting(r, 'local-');
  const [svcChain] = chainStarting(r, 'svc-');
  assert.ok(!ext![1].includes('jump mark-for-masquerade'));
  assert.equal(ext![1].at(-1), `goto ${local![0]}`);
  assert.ok(ext![1].includes(`fib saddr type local goto ${svcChain![0]}`), 'the node itself uses every endpoint');
  assert.match(local![1].at(-1)!, /^goto ep-.*__10\.42\.0\.2\/80$/);
  // the ClusterIP still uses every endpoint
  assert.match(svcChain![1].at(-1)!, /numgen random mod 2/);
  const none = serviceRulesFor(svc('loc', spec), [slice('loc', [{ ip: '10.42.1.2', node: 'n2' }], [{ port: 80 }])], node);
  assert.equal(chainStarting(none, 'ext-')[0]![1].at(-1), 'drop');
});

test('internalTrafficPolicy Local: the ClusterIP uses local endpoints and drops without them', () => {
  const spec = { clusterIP: '10.43.0.9', internalTrafficPolicy: 'Local', ports: [{ port: 80 }] };
  const r = serviceRulesFor(svc('itp', spec), [slice('itp', [{ ip: '10.42.0.2' }, { ip: '10.42.1.2', node: 'n2' }], [{ port: 80 }])], node);
  const [local] = chainStarting(r, 'local-');
  assert.equal(element(r, MAP_SERVICE_IPS, '10.43.0.9 . tcp . 80'), `goto ${local![0]}`);
  const remote = serviceRulesFor(svc('itp', spec), [slice('itp', [{ ip: '10.42.1.2', node: 'n2' }], [{ port: 80 }])], node);
  assert.equal(element(remote, MAP_SERVICE_IPS, '10.43.0.9 . tcp . 80'), 'drop');
});

test('sessionAffinity ClientIP remembers clients per endpoint with the configured timeout', () => {
  const r = serviceRulesFor(
    svc('sticky', { clusterIP: '10.43.0.11', sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } }, ports: [{ port: 80 }] }),
    [slice('sticky', [{ ip: '10.42.0.2' }, { ip: '10.42.0.3' }], [{ port: 80 }])],
    node,
  );
  assert.equal(r.sets.size, 2);
  for (const spec of r.sets.values()) assert.equal(spec, 'type ipv4_addr; flags dynamic,timeout; timeout 60s;');
  const [svcChain] = chainStarting(r, 'svc-');
  const lookups = svcChain![1].filter((l) => l.startsWith('ip saddr @aff-'));
  assert.equal(lookups.length, 2);
  for (const [, rules] of chainStarting(r, 'ep-')) assert.ok(rules.some((l) => /^update @aff-\S+ \{ ip saddr \}$/.test(l)));
});

test('headless and ExternalName Services are not programmed', () => {
  assert.equal(serviceRulesFor(svc('h', { clusterIP: 'None', ports: [{ port: 80 }] }), [], node).elements.size, 0);
  assert.equal(serviceRulesFor(svc('e', { type: 'ExternalName', ports: [{ port: 80 }] }), [], node).elements.size, 0);
});

test('scaling up rewrites only the Service chain and adds one endpoint chain', () => {
  const spec = { clusterIP: '10.43.0.5', ports: [{ port: 80 }] };
  const before = serviceRulesFor(svc('web', spec), [slice('web', [{ ip: '10.42.0.2' }, { ip: '10.42.0.3' }], [{ port: 80 }])], node);
  const after = serviceRulesFor(svc('web', spec), [slice('web', [{ ip: '10.42.0.2' }, { ip: '10.42.0.3' }, { ip: '10.42.0.4' }], [{ port: 80 }])], node);
  const lines = updateProgram('t', [{ before, after }]).trim().split('\n');
  assert.equal(lines.filter((l) => l.startsWith('add chain')).length, 1);
  assert.match(lines.find((l) => l.startsWith('add chain'))!, /^add chain ip t ep-\S+__10\.42\.0\.4\/80$/);
  assert.equal(lines.filter((l) => l.startsWith('flush chain')).length, 1);
  assert.ok(lines.some((l) => /numgen random mod 3/.test(l)));
  assert.ok(!lines.some((l) => l.includes('element')), 'the ClusterIP element still points at the same chain');
  assert.equal(updateProgram('t', [{ before: after, after }]), '');
});

test('losing every endpoint swaps the map element before the chains are deleted', () => {
  const spec = { clusterIP: '10.43.0.5', ports: [{ port: 80 }] };
  const before = serviceRulesFor(svc('web', spec), [slice('web', [{ ip: '10.42.0.2' }], [{ port: 80 }])], node);
  const after = serviceRulesFor(svc('web', spec), [], node);
  const lines = updateProgram('t', [{ before, after }]).trim().split('\n');
  const idx = (re: RegExp) => lines.findIndex((l) => re.test(l));
  assert.ok(idx(/^delete element ip t service-ips \{ 10\.43\.0\.5 \. tcp \. 80 \}$/) >= 0);
  assert.ok(idx(/^add element ip t no-endpoint-services \{ 10\.43\.0\.5 \. tcp \. 80 : goto reject-chain \}$/) >= 0);
  assert.ok(idx(/^delete element/) < idx(/^delete chain/));
  assert.ok(idx(/^flush chain ip t svc-/) < idx(/^delete chain ip t svc-/));
  assert.equal(lines.filter((l) => l.startsWith('delete chain')).length, 2);
  const removed = updateProgram('t', [{ before: after, after: undefined }]);
  assert.equal(removed, 'delete element ip t no-endpoint-services { 10.43.0.5 . tcp . 80 }\n');
});
