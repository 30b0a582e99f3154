import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hostNetworkHostsFile, managedHostsFile } from '../../src/kubelet/pods/etc-hosts.js';
import { parseResolvConf, podDNSConfig } from '../../src/kubelet/pods/dns.js';
import type { Pod } from '../../src/kubelet/pods/types.js';

const pod = (spec: Record<string, unknown>, name = 'web-0'): Pod => ({ metadata: { name, namespace: 'shop', uid: 'u' }, spec });
const host = parseResolvConf('nameserver 10.255.255.53\nsearch corp.example\noptions timeout:2\n');
const settings = { clusterDNS: ['10.43.0.10'], clusterDomain: 'cluster.local', host };

test('/etc/hosts: localhost lines, the pod under its hostname, FQDN with a subdomain, then hostAliases', () => {
  const plain = managedHostsFile(pod({}), ['10.42.0.5'], 'cluster.local');
  assert.equal(
    plain,
    '# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nfe00::0\tip6-mcastprefix\nfe00::1\tip6-allnodes\nfe00::2\tip6-allrouters\n10.42.0.5\tweb-0\n',
  );
  const sts = managedHostsFile(pod({ hostname: 'db-0', subdomain: 'db', hostAliases: [{ ip: '192.0.2.9', hostnames: ['foo.local', 'bar.local'] }] }), ['10.42.0.6'], 'cluster.local');
  assert.match(sts, /\n10\.42\.0\.6\tdb-0\.db\.shop\.svc\.cluster\.local\tdb-0\n/);
  assert.ok(sts.endsWith('\n# Entries added by HostAliases.\n192.0.2.9\tfoo.local\tbar.local\n'));
  const hostNet = hostNetworkHostsFile(pod({ hostNetwork: true, hostAliases: [{ ip: '192.0.2.1', hostnames: ['x'] }] }), '127.0.0.1 localhost\n');
  assert.equal(hostNet, '# Kubernetes-managed hosts file (host network).\n127.0.0.1 localhost\n\n# Entries added by HostAliases.\n192.0.2.1\tx\n');
});

test('resolv.conf per dnsPolicy: ClusterFirst, hostNetwork, ClusterFirstWithHostNet, Default, None + dnsConfig', () => {
  assert.deepEqual(podDNSConfig(pod({}), settings), {
    servers: ['10.43.0.10'],
    searches: ['shop.svc.cluster.local', 'svc.cluster.local', 'cluster.local', 'corp.example'],
    options: ['ndots:5'],
  });
  // ClusterFirst on the host network means the node's resolvers (as upstream).
  assert.deepEqual(podDNSConfig(pod({ hostNetwork: true }), settings), { servers: ['10.255.255.53'], searches: ['corp.example'], options: ['timeout:2'] });
  assert.deepEqual(podDNSConfig(pod({ hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet' }), settings).servers, ['10.43.0.10']);
  assert.deepEqual(podDNSConfig(pod({ dnsPolicy: 'Default' }), settings).servers, ['10.255.255.53']);
  assert.deepEqual(
    podDNSConfig(pod({ dnsPolicy: 'None', dnsConfig: { nameservers: ['192.0.2.53'], searches: ['a.example'], options: [{ name: 'ndots', value: '2' }, { name: 'edns0' }] } }), settings),
    { servers: ['192.0.2.53'], searches: ['a.example'], options: ['ndots:2', 'edns0'] },
  );
  // dnsConfig merges into ClusterFirst: extra servers and searches appended, options replaced by name.
  const merged = podDNSConfig(pod({ dnsConfig: { nameservers: ['192.0.2.53'], searches: ['svc.cluster.local', 'x.example'], options: [{ name: 'ndots', value: '1' }] } }), settings);
  assert.deepEqual(merged.servers, ['10.43.0.10', '192.0.2.53']);
  assert.deepEqual(merged.searches, ['shop.svc.cluster.local', 'svc.cluster.local', 'cluster.local', 'corp.example', 'x.example']);
  assert.deepEqual(merged.options, ['ndots:1']);
  // No cluster DNS configured: ClusterFirst falls back to the node's resolvers.
  assert.deepEqual(podDNSConfig(pod({}), { ...settings, clusterDNS: [] }).servers, ['10.255.255.53']);
});
