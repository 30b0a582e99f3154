import { test } from 'node:test';
import assert from 'node:assert/strict';
import dnsPacket, { type Answer, type DecodedPacket, type Packet } from 'dns-packet';
import { QueryHandler } from '../../src/dns/query-handler.js';
import { RecordIndex } from '../../src/dns/record-index.js';
import { serviceRecords, type ServiceObject } from '../../src/dns/service-records.js';
import { cacheTtl } from '../../src/dns/forwarder.js';

const Z = 'cluster.local';

function zone(): RecordIndex {
  const idx = new RecordIndex(Z);
  const put = (s: ServiceObject, endpoints: { ip: string; hostname?: string }[] = []) =>
    idx.setService(
      `${s.metadata.namespace}/${s.metadata.name}`,
      serviceRecords(s, [{ metadata: {}, addressType: 'IPv4', endpoints: endpoints.map((e) => ({ addresses: [e.ip], hostname: e.hostname })), ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] }], Z),
    );
  put({ metadata: { name: 'web', namespace: 'default' }, spec: { clusterIP: '10.43.0.20', ports: [{ name: 'http', port: 80, protocol: 'TCP' }] } });
  put({ metadata: { name: 'db', namespace: 'team' }, spec: { clusterIP: 'None', ports: [{ name: 'http', port: 80 }] } }, [{ ip: '10.42.0.7', hostname: 'db-0' }, { ip: '10.42.0.8', hostname: 'db-1' }]);
  put({ metadata: { name: 'alias', namespace: 'default' }, spec: { type: 'ExternalName', externalName: 'web.default.svc.cluster.local' } });
  put({ metadata: { name: 'big', namespace: 'default' }, spec: { clusterIP: 'None' } }, Array.from({ length: 80 }, (_, i) => ({ ip: `10.42.1.${i + 1}` })));
  return idx;
}

const handler = new QueryHandler(zone(), undefined, { nameserverIPs: ['10.43.0.10'], serial: 7 });

async function ask(name: string, type: string, extra: Partial<Packet> = {}, transport: 'udp' | 'tcp' = 'udp'): Promise<DecodedPacket & { rcode?: string }> {
  const q = dnsPacket.encode({ id: 4242, type: 'query', flags: dnsPacket.RECURSION_DESIRED, questions: [{ name, type: type as 'A' }], ...extra });
  const res = await handler.handle(q, transport);
  assert.ok(res, 'a response');
  return dnsPacket.decode(res);
}

const data = (answers: Answer[] | undefined) => (answers ?? []).map((a) => (a as { data: unknown }).data);

test('A for a ClusterIP service, authoritative, TTL 5, the question echoed', async () => {
  const r = await ask('web.default.svc.cluster.local', 'A');
  assert.equal(r.id, 4242);
  assert.equal(r.rcode, 'NOERROR');
  assert.equal(r.flag_aa, true);
  assert.equal(r.flag_rd, true);
  assert.deepEqual(data(r.answers), ['10.43.0.20']);
  assert.equal((r.answers![0] as { ttl: number }).ttl, 5);
  // Names are case-insensitive; the answer keeps the asker's spelling.
  const mixed = await ask('Web.Default.SVC.cluster.local', 'A');
  assert.deepEqual(data(mixed.answers), ['10.43.0.20']);
  assert.equal(mixed.answers![0]!.name, 'Web.Default.SVC.cluster.local');
});

test('NODATA for a missing type and for namespaces; NXDOMAIN with SOA for the rest of the zone', async () => {
  const aaaa = await ask('web.default.svc.cluster.local', 'AAAA');
  assert.equal(aaaa.rcode, 'NOERROR');
  assert.equal(aaaa.answers!.length, 0);
  assert.equal(aaaa.authorities![0]!.type, 'SOA');
  const ns = await ask('team.svc.cluster.local', 'A');
  assert.equal(ns.rcode, 'NOERROR');
  const missing = await ask('nope.default.svc.cluster.local', 'A');
  assert.equal(missing.rcode, 'NXDOMAIN');
  assert.equal(missing.flag_aa, true);
  const soa = missing.authorities![0] as { type: string; name: string; data: { mname: string; minimum: number; serial: number } };
  assert.deepEqual([soa.type, soa.name, soa.data.mname, soa.data.minimum, soa.data.serial], ['SOA', 'cluster.local', 'ns.dns.cluster.local', 5, 7]);
  assert.equal((await ask('cluster.local', 'SOA')).answers![0]!.type, 'SOA');
  assert.deepEqual(data((await ask('ns.dns.cluster.local', 'A')).answers), ['10.43.0.10']);
});

test('headless: one A per ready endpoint, pod hostnames, SRV per endpoint with addresses in additional', async () => {
  assert.deepEqual(data((await ask('db.team.svc.cluster.local', 'A')).answers).sort(), ['10.42.0.7', '10.42.0.8']);
  assert.deepEqual(data((await ask('db-1.db.team.svc.cluster.local', 'A')).answers), ['10.42.0.8']);
  const srv = await ask('_http._tcp.db.team.svc.cluster.local', 'SRV');
  assert.deepEqual(data(srv.answers), [
    { priority: 0, weight: 50, port: 8080, target: 'db-0.db.team.svc.cluster.local' },
    { priority: 0, weight: 50, port: 8080, target: 'db-1.db.team.svc.cluster.local' },
  ]);
  assert.deepEqual(srv.additionals!.map((a) => [a.name, (a as { data: string }).data]), [
    ['db-0.db.team.svc.cluster.local', '10.42.0.7'],
    ['db-1.db.team.svc.cluster.local', '10.42.0.8'],
  ]);
  const clusterSrv = await ask('_http._tcp.web.default.svc.cluster.local', 'SRV');
  assert.deepEqual(data(clusterSrv.answers), [{ priority: 0, weight: 100, port: 80, target: 'web.default.svc.cluster.local' }]);
  assert.equal((await ask('_nope._tcp.web.default.svc.cluster.local', 'SRV')).rcode, 'NXDOMAIN');
});

test('PTR for ClusterIPs and endpoint addresses; pods by dashed address; ExternalName chased in the zone', async () => {
  assert.deepEqual(data((await ask('20.0.43.10.in-addr.arpa', 'PTR')).answers), ['web.default.svc.cluster.local']);
  assert.deepEqual(data((await ask('7.0.42.10.in-addr.arpa', 'PTR')).answers), ['db-0.db.team.svc.cluster.local']);
  assert.deepEqual(data((await ask('10-42-3-4.anyns.pod.cluster.local', 'A')).answers), ['10.42.3.4']);
  assert.equal((await ask('not-an-ip.anyns.pod.cluster.local', 'A')).rcode, 'NXDOMAIN');
  const alias = await ask('alias.default.svc.cluster.local', 'A');
  assert.deepEqual(alias.answers!.map((a) => [a.type, (a as { data: string }).data]), [['CNAME', 'web.default.svc.cluster.local'], ['A', '10.43.0.20']]);
});

test('names outside the zone without an upstream: SERVFAIL, not authoritative', async () => {
  const r = await ask('example.com', 'A');
  assert.equal(r.rcode, 'SERVFAIL');
  assert.equal(r.flag_aa, false);
  // Unknown reverse names fall through to the upstream as well.
  assert.equal((await ask('9.9.9.9.in-addr.arpa', 'PTR')).rcode, 'SERVFAIL');
});

test('truncation: 512 bytes without EDNS, the advertised size with it, everything over TCP', async () => {
  const plain = await ask('big.default.svc.cluster.local', 'A');
  assert.equal(plain.flag_tc, true);
  assert.ok(plain.answers!.length > 0 && plain.answers!.length < 80);
  assert.ok(dnsPacket.encodingLength(plain) <= 512);

  const opt = { additionals: [{ type: 'OPT' as const, name: '.', udpPayloadSize: 4096, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] }] };
  const edns = await ask('big.default.svc.cluster.local', 'A', opt);
  assert.ok(edns.answers!.length > plain.answers!.length);
  const ednsOpt = edns.additionals!.find((a) => a.type === 'OPT') as { udpPayloadSize: number } | undefined;
  assert.equal(ednsOpt?.udpPayloadSize, 1232);

  const tcp = await ask('big.default.svc.cluster.local', 'A', {}, 'tcp');
  assert.equal(tcp.flag_tc, false);
  assert.equal(tcp.answers!.length, 80);
});

test('malformed queries get FORMERR, other opcodes NOTIMP, responses are dropped', async () => {
  const garbage = Buffer.from([0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0xff]);
  const r = dnsPacket.decode((await handler.handle(garbage, 'udp'))!) as DecodedPacket & { rcode: string };
  assert.equal(r.id, 0x1234);
  assert.equal(r.rcode, 'FORMERR');
  assert.equal(await handler.handle(Buffer.from([1, 2, 3]), 'udp'), undefined);
  const notify = dnsPacket.encode({ id: 1, type: 'query', flags: 4 << 11, questions: [{ name: 'cluster.local', type: 'SOA' }] });
  assert.equal((dnsPacket.decode((await handler.handle(notify, 'udp'))!) as { rcode?: string }).rcode, 'NOTIMP');
  const response = dnsPacket.encode({ id: 1, type: 'response', questions: [{ name: 'cluster.local', type: 'SOA' }] });
  assert.equal(await handler.handle(response, 'udp'), undefined);
});

test('forward cache lifetime: smallest TTL capped at 30 s, negative answers by SOA minimum, errors never', () => {
  const a = (ttl: number): Answer => ({ type: 'A', name: 'x', ttl, data: '1.2.3.4' });
  assert.equal(cacheTtl({ rcode: 'NOERROR', answers: [a(300), a(60)], authorities: [], additionals: [] }, 30), 30);
  assert.equal(cacheTtl({ rcode: 'NOERROR', answers: [a(300), a(12)], authorities: [], additionals: [] }, 30), 12);
  const soa: Answer = { type: 'SOA', name: 'x', ttl: 900, data: { mname: 'a', rname: 'b', serial: 1, refresh: 1, retry: 1, expire: 1, minimum: 20 } };
  assert.equal(cacheTtl({ rcode: 'NXDOMAIN', answers: [], authorities: [soa], additionals: [] }, 30), 20);
  assert.equal(cacheTtl({ rcode: 'SERVFAIL', answers: [], authorities: [], additionals: [] }, 30), 0);
});

test('a repeated question is answered from the encoded-answer cache with its own id, until the zone changes', async () => {
  const idx = new RecordIndex(Z);
  const h = new QueryHandler(idx, undefined);
  const put = (ip: string) => idx.setService('default/api', serviceRecords({ metadata: { name: 'api', namespace: 'default' }, spec: { clusterIP: ip, ports: [{ port: 80 }] } }, [], Z));
  put('10.43.0.50');
  const query = (id: number) => dnsPacket.encode({ id, type: 'query', flags: dnsPacket.RECURSION_DESIRED, questions: [{ name: 'api.default.svc.cluster.local', type: 'A' }] });
  const first = dnsPacket.decode((await h.handle(query(1), 'udp'))!);
  const second = dnsPacket.decode((await h.handle(query(2), 'udp'))!);
  assert.deepEqual([first.id, second.id], [1, 2]);
  assert.deepEqual(data(second.answers), ['10.43.0.50']);
  put('10.43.0.51');
  assert.deepEqual(data(dnsPacket.decode((await h.handle(query(3), 'udp'))!).answers), ['10.43.0.51']);
});
