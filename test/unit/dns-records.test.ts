import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RecordIndex } from '../../src/dns/record-index.js';
import { serviceRecords, type EndpointSliceObject, type ServiceObject } from '../../src/dns/service-records.js';
import { reverseName, ipv6Nibbles, addressFromDashed } from '../../src/dns/names.js';

const Z = 'cluster.local';

const svc = (name: string, ns: string, spec: ServiceObject['spec']): ServiceObject => ({ metadata: { name, namespace: ns }, spec });
const slice = (svcName: string, endpoints: EndpointSliceObject['endpoints'], ports: EndpointSliceObject['ports'] = [{ name: 'http', port: 8080, protocol: 'TCP' }]): EndpointSliceObject => ({
  metadata: { name: `${svcName}-x`, namespace: 'default', labels: { 'kubernetes.io/service-name': svcName } },
  addressType: 'IPv4',
  endpoints,
  ports,
});

test('ClusterIP service: A for the service, SRV per named port, PTR for the ClusterIP', () => {
  const r = serviceRecords(
    svc('web', 'default', { clusterIP: '10.43.0.20', clusterIPs: ['10.43.0.20'], ports: [{ name: 'http', port: 80, protocol: 'TCP' }, { name: 'DNS', port: 53, protocol: 'UDP' }, { port: 9000 }] }),
    [slice('web', [{ addresses: ['10.42.0.5'], conditions: { ready: true } }])],
    Z,
  );
  assert.deepEqual(r.names.get('web.default.svc.cluster.local')?.a, ['10.43.0.20']);
  assert.deepEqual(r.names.get('_http._tcp.web.default.svc.cluster.local')?.srv, [{ port: 80, target: 'web.default.svc.cluster.local', weight: 100 }]);
  assert.deepEqual(r.names.get('_dns._udp.web.default.svc.cluster.local')?.srv.map((s) => s.port), [53]);
  // A ClusterIP service's name never lists its endpoints, but <ep>.<svc> exists (as upstream).
  assert.deepEqual(r.names.get('10-42-0-5.web.default.svc.cluster.local')?.a, ['10.42.0.5']);
  assert.deepEqual(r.ptrs, [['20.0.43.10.in-addr.arpa', 'web.default.svc.cluster.local'], ['5.0.42.10.in-addr.arpa', '10-42-0-5.web.default.svc.cluster.local']]);
});

test('headless service: one record per ready endpoint, hostnames, SRV per endpoint with shared weight', () => {
  const r = serviceRecords(
    svc('db', 'default', { clusterIP: 'None', ports: [{ name: 'http', port: 80 }] }),
    [
      slice('db', [
        { addresses: ['10.42.0.7'], hostname: 'db-0', conditions: { ready: true } },
        { addresses: ['10.42.0.8'], hostname: 'db-1' },
        { addresses: ['10.42.0.9'], hostname: 'db-2', conditions: { ready: false } },
      ]),
    ],
    Z,
  );
  const base = r.names.get('db.default.svc.cluster.local')!;
  assert.deepEqual(base.a, ['10.42.0.7', '10.42.0.8']);
  assert.deepEqual(r.names.get('db-0.db.default.svc.cluster.local')?.a, ['10.42.0.7']);
  assert.equal(r.names.get('db-2.db.default.svc.cluster.local'), undefined, 'not-ready endpoints are not published');
  assert.deepEqual(r.names.get('_http._tcp.db.default.svc.cluster.local')?.srv, [
    { port: 8080, target: 'db-0.db.default.svc.cluster.local', weight: 50 },
    { port: 8080, target: 'db-1.db.default.svc.cluster.local', weight: 50 },
  ]);
  assert.deepEqual(r.ptrs.map(([rev]) => rev), ['7.0.42.10.in-addr.arpa', '8.0.42.10.in-addr.arpa']);
});

test('headless service without ready endpoints has no records; ExternalName is a CNAME', () => {
  assert.equal(serviceRecords(svc('h', 'default', { clusterIP: 'None' }), [], Z).names.size, 0);
  const ext = serviceRecords(svc('ext', 'other', { type: 'ExternalName', externalName: 'Example.COM.' }), [], Z);
  assert.deepEqual([...ext.names], [['ext.other.svc.cluster.local', { a: [], aaaa: [], srv: [], cname: 'example.com' }]]);
});

test('index: replacing a service drops its stale names, non-terminals and PTRs', () => {
  const idx = new RecordIndex(Z);
  const headless = svc('db', 'team', { clusterIP: 'None', ports: [{ name: 'http', port: 80 }] });
  const mk = (ips: string[]) => serviceRecords(headless, [{ ...slice('db', ips.map((ip) => ({ addresses: [ip] }))), metadata: { namespace: 'team', labels: {} } }], Z);
  idx.setService('team/db', mk(['10.42.0.7', '10.42.0.8']));
  assert.ok(idx.lookup('10-42-0-8.db.team.svc.cluster.local'));
  assert.equal(idx.exists('team.svc.cluster.local'), true);
  assert.equal(idx.exists('_tcp.db.team.svc.cluster.local'), true);
  assert.equal(idx.ptrTarget('8.0.42.10.in-addr.arpa'), '10-42-0-8.db.team.svc.cluster.local');

  idx.setService('team/db', mk(['10.42.0.7']));
  assert.equal(idx.lookup('10-42-0-8.db.team.svc.cluster.local'), undefined);
  assert.equal(idx.ptrTarget('8.0.42.10.in-addr.arpa'), undefined);
  assert.deepEqual(idx.lookup('db.team.svc.cluster.local')?.a, ['10.42.0.7']);

  idx.deleteService('team/db');
  assert.equal(idx.exists('team.svc.cluster.local'), false);
  assert.equal(idx.exists('db.team.svc.cluster.local'), false);
  assert.equal(idx.nameCount, 0);
});

test('index: an address shared by two services keeps answering PTR until both are gone', () => {
  const idx = new RecordIndex(Z);
  const a = serviceRecords(svc('a', 'x', { clusterIP: 'None' }), [{ ...slice('a', [{ addresses: ['10.42.0.9'] }]), ports: [] }], Z);
  const b = serviceRecords(svc('b', 'x', { clusterIP: 'None' }), [{ ...slice('b', [{ addresses: ['10.42.0.9'] }]), ports: [] }], Z);
  idx.setService('x/a', a);
  idx.setService('x/b', b);
  idx.deleteService('x/a');
  assert.equal(idx.ptrTarget('9.0.42.10.in-addr.arpa'), '10-42-0-9.b.x.svc.cluster.local');
  idx.deleteService('x/b');
  assert.equal(idx.ptrTarget('9.0.42.10.in-addr.arpa'), undefined);
});

test('names: reverse names and dashed pod labels for IPv4 and IPv6', () => {
  assert.equal(reverseName('10.43.0.10'), '10.0.43.10.in-addr.arpa');
  assert.equal(ipv6Nibbles('fd00::1'), 'fd000000000000000000000000000001');
  assert.equal(reverseName('fd00::1'), `1.${'0.'.repeat(27)}0.0.d.f.ip6.arpa`);
  assert.deepEqual(addressFromDashed('10-42-0-5'), { ip: '10.42.0.5', family: 4 });
  assert.deepEqual(addressFromDashed('fd00--5'), { ip: 'fd00::5', family: 6 });
  assert.equal(addressFromDashed('web'), undefined);
});
