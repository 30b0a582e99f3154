// Cluster DNS on a real node, driven by the real kubectl: from a busybox pod, nslookup of a
// Service by short, namespaced and full names, across namespaces, a headless Service (one address
// per ready pod), a StatefulSet pod's own name, SRV for a named port, an ExternalName, and the
// pod's resolv.conf and /etc/hosts. The server is the node's coredns static pod in kube-system.
// Queries go to the kube-dns ClusterIP (through the service proxy) and, separately, straight to
// the node's DNS listener on the pod bridge gateway.
// Everything lives in two namespaces of this file's own, deleted at the end.
import assert from 'node:assert/strict';
import { promises as dnsPromises } from 'node:dns';
import { after, before, describe, test } from 'node:test';
import { nodeClusterUnavailable, useNodeCluster, type NodeCluster } from '../../support/node-cluster.js';
import { nthAddress } from '../../../src/agent/cluster-addresses.js';
import { PodNamespace, podManifest, waitFor, type Json } from './pod-helpers.js';

const skip = nodeClusterUnavailable();
let cluster: NodeCluster;
let ns: PodNamespace;
let other: PodNamespace;
let gateway: string;

const HTTPD = 'mkdir -p /w && hostname > /w/index.html && exec httpd -f -p 8080 -h /w';

async function inClient(script: string): Promise<{ stdout: string; stderr: string; code: number }> {
  const r = await ns.k(['exec', 'client', '--', 'sh', '-c', script], { allowFail: true, timeoutMs: 60_000 });
  return { stdout: r.stdout, stderr: r.stderr, code: r.code };
}

/** `nslookup args` in the client pod until its output matches re (DNS follows the API within a moment). */
function lookup(args: string, re: RegExp, timeoutMs = 20_000): Promise<string> {
  return waitFor(`nslookup ${args} ~ ${re}`, async () => {
    const r = await inClient(`nslookup ${args}`);
    if (re.test(r.stdout)) return r.stdout;
    throw new Error(`code ${r.code}: ${r.stdout}${r.stderr}`);
  }, timeoutMs, 500);
}

const podIP = async (name: string): Promise<string> => (await ns.pod(name)).status.podIP as string;
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

before(async () => {
  if (skip) return;
  cluster = await useNodeCluster();
  ns = await PodNamespace.create(cluster, 'e2e-dns');
  other = await PodNamespace.create(cluster, 'e2e-dns-other');
  const node = JSON.parse((await cluster.kubectl(['get', 'node', cluster.nodeName, '-o', 'json'])).stdout) as Json;
  gateway = nthAddress(node.spec.podCIDR as string, 1);
  await other.apply({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'faraway' }, spec: { ports: [{ name: 'http', port: 80 }] } });
  await ns.apply([
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] } },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'db' }, spec: { clusterIP: 'None', selector: { app: 'db' }, ports: [{ name: 'http', port: 8080 }] } },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'alias' }, spec: { type: 'ExternalName', externalName: `web.${ns.name}.svc.cluster.local` } },
    {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'db' },
      spec: {
        serviceName: 'db',
        replicas: 2,
        podManagementPolicy: 'Parallel',
        selector: { matchLabels: { app: 'db' } },
        template: {
          metadata: { labels: { app: 'db' } },
          spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'db', image: 'busybox', command: ['sh', '-c', HTTPD], ports: [{ name: 'http', containerPort: 8080 }] }] },
        },
      },
    },
    podManifest('client', { containers: [{ name: 'c', image: 'busybox', command: ['sh', '-c', HTTPD] }] }, { labels: { app: 'web' } }),
  ]);
  await ns.waitStatus('client', /^Running$/, 120_000);
  // A Service in the other namespace without a selector, backed by the client pod by hand.
  await other.apply({
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: 'faraway-1', labels: { 'kubernetes.io/service-name': 'faraway' } },
    addressType: 'IPv4',
    endpoints: [{ addresses: [await podIP('client')], conditions: { ready: true } }],
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
  });
  await ns.waitStatus('db-0', /^Running$/, 120_000);
  await ns.waitStatus('db-1', /^Running$/, 120_000);
});

after(async () => {
  if (skip || !cluster) return;
  try {
    await Promise.all([ns?.destroy(), other?.destroy()]);
  } finally {
    await cluster.stop();
  }
});

describe('cluster DNS on a real node', { skip }, () => {
  test('the pod resolv.conf points at the kube-dns ClusterIP with the namespace search path', async () => {
    const r = await inClient('cat /etc/resolv.conf');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^nameserver ${esc(cluster.clusterDNS)}$`, 'm'));
    assert.match(r.stdout, new RegExp(`^search ${esc(ns.name)}\\.svc\\.cluster\\.local svc\\.cluster\\.local cluster\\.local`, 'm'));
    assert.match(r.stdout, /^options ndots:5$/m);
  });

  test('the DNS server runs as this node\'s coredns pod in kube-system, Running and Ready', async () => {
    const pod = await waitFor('coredns pod Ready', async () => {
      const r = await cluster.kubectl(['get', 'pods', '-n', 'kube-system', '-l', 'k8s-app=kube-dns', '-o', 'json']);
      const mine = ((JSON.parse(r.stdout) as Json).items as Json[]).find((p) => p.spec.nodeName === cluster.nodeName);
      const ready = mine?.status?.conditions?.find((c: Json) => c.type === 'Ready')?.status;
      if (mine?.status?.phase === 'Running' && ready === 'True') return mine;
      throw new Error(`not Running and Ready yet: ${JSON.stringify(mine?.status ?? r.stdout)}`);
    }, 120_000, 1_000);
    assert.equal(pod.metadata.name, `coredns-${cluster.nodeName}`);
    // A mirror pod: the kubelet runs it from its manifests dir, the API shows it.
    assert.ok(pod.metadata.annotations?.['kubernetes.io/config.mirror'], 'a mirror pod');
    assert.equal(pod.spec.hostNetwork, true);
    const table = await cluster.kubectl(['get', 'pods', '-n', 'kube-system', '-l', 'k8s-app=kube-dns']);
    assert.match(table.stdout, new RegExp(`^coredns-${esc(cluster.nodeName)}\\s+1/1\\s+Running\\s`, 'm'));
    // Its log is the server's own, through the kubelet like any container's.
    const logs = await cluster.kubectl(['logs', '-n', 'kube-system', `coredns-${cluster.nodeName}`]);
    assert.match(logs.stdout, new RegExp(`"address":"${esc(gateway)}","port":53.*cluster DNS serving`));
  });

  test('kube-dns is visible in kube-system: its Service and this node\'s EndpointSlice', async () => {
    const svc = JSON.parse((await cluster.kubectl(['get', 'service', 'kube-dns', '-n', 'kube-system', '-o', 'json'])).stdout) as Json;
    assert.equal(svc.spec.clusterIP, cluster.clusterDNS);
    // The DNS pod publishes it right after it starts serving.
    const mine = await waitFor('the node\'s kube-dns EndpointSlice', async () => {
      const slices = JSON.parse((await cluster.kubectl(['get', 'endpointslices', '-n', 'kube-system', '-l', 'kubernetes.io/service-name=kube-dns', '-o', 'json'])).stdout) as Json;
      const found = (slices.items as Json[]).find((s) => s.endpoints?.[0]?.nodeName === cluster.nodeName);
      if (!found) throw new Error('no EndpointSlice for this node');
      return found;
    }, 20_000, 500);
    assert.deepEqual(mine!.endpoints[0].addresses, [gateway]);
    // Owned by the Node, so it goes with a Node whose agent never comes back.
    assert.deepEqual(mine!.metadata.ownerReferences?.map((r: Json) => `${r.kind}/${r.name}`), [`Node/${cluster.nodeName}`]);
  });

  test('the node listener answers on the pod bridge gateway', async () => {
    const ip = (await ns.json('service/web')).spec.clusterIP as string;
    const out = await lookup(`web.${ns.name}.svc.cluster.local ${gateway}`, new RegExp(`Address:\\s*${esc(ip)}\\b`));
    assert.match(out, new RegExp(`Name:\\s*web\\.${esc(ns.name)}\\.svc\\.cluster\\.local`));
  });

  test('a Service by short and full name with nslookup (through the ClusterIP)', async () => {
    const ip = (await ns.json('service/web')).spec.clusterIP as string;
    for (const name of ['web', `web.${ns.name}.svc.cluster.local`]) {
      await lookup(name, new RegExp(`Address:\\s*${esc(ip)}\\b`));
    }
    const far = (await other.json('service/faraway')).spec.clusterIP as string;
    await lookup(`faraway.${other.name}.svc.cluster.local`, new RegExp(`Address:\\s*${esc(far)}\\b`));
  });

  // busybox nslookup applies the search path only to names without a dot; applications resolve
  // through the C library (getaddrinfo, ndots:5), as busybox wget does.
  test('applications reach Services by <svc>.<ns> and across namespaces', async () => {
    for (const url of [`http://web.${ns.name}/`, `http://web.${ns.name}.svc/`, `http://faraway.${other.name}/`]) {
      const out = await waitFor(`wget ${url}`, async () => {
        const r = await inClient(`timeout 5 wget -qO- ${url}`);
        if (r.code === 0) return r.stdout;
        throw new Error(r.stderr);
      }, 20_000, 500);
      assert.equal(out.trim(), 'client', url);
    }
  });

  test('a headless Service lists every ready pod; a StatefulSet pod has its own name', async () => {
    const [a, b] = [await podIP('db-0'), await podIP('db-1')];
    const out = await lookup(`db.${ns.name}.svc.cluster.local`, new RegExp(`${esc(a)}[\\s\\S]*${esc(b)}|${esc(b)}[\\s\\S]*${esc(a)}`));
    assert.equal((out.match(/^Name:.*\nAddress:/gm) ?? []).length, 2, out);
    await lookup(`db-0.db.${ns.name}.svc.cluster.local`, new RegExp(`Address:\\s*${esc(a)}\\b`));
    // Through the C library's search path, as the pods of a StatefulSet reach each other.
    const r = await inClient('timeout 5 wget -qO- http://db-1.db:8080/');
    assert.equal(r.stdout.trim(), 'db-1', r.stderr);
  });

  test('SRV for a named port lists each StatefulSet pod with the port', async () => {
    const out = await lookup(`-type=srv _http._tcp.db.${ns.name}.svc.cluster.local`, /db-0\.db\./);
    assert.match(out, new RegExp(`8080 db-0\\.db\\.${esc(ns.name)}\\.svc\\.cluster\\.local`));
    assert.match(out, new RegExp(`8080 db-1\\.db\\.${esc(ns.name)}\\.svc\\.cluster\\.local`));
  });

  test('an ExternalName Service answers with a CNAME to its target', async () => {
    const ip = (await ns.json('service/web')).spec.clusterIP as string;
    const out = await lookup(`alias.${ns.name}.svc.cluster.local`, new RegExp(`Address:\\s*${esc(ip)}\\b`));
    assert.match(out, new RegExp(`canonical name = web\\.${esc(ns.name)}\\.svc\\.cluster\\.local`));
  });

  test('names outside the zone are forwarded to the host\'s resolvers', async (t) => {
    // Whatever the host's resolvers answer for a public name is what pods must see.
    const name = 'registry.npmjs.org';
    const hostAnswer = await dnsPromises.resolve4(name).catch(() => [] as string[]);
    if (!hostAnswer.length) return t.skip(`the host cannot resolve ${name}`);
    await lookup(name, new RegExp(`Address:\\s*(${hostAnswer.map(esc).join('|')})\\b`));
  });

  test('names that do not exist in the zone are NXDOMAIN', async () => {
    const r = await inClient(`nslookup nothing-here.${ns.name}.svc.cluster.local ${gateway}`);
    assert.notEqual(r.code, 0);
    assert.match(r.stdout + r.stderr, /NXDOMAIN/);
  });

  test('/etc/hosts carries the pod\'s own address and, for StatefulSet pods, its full name', async () => {
    const ip = await podIP('db-0');
    const r = await ns.k(['exec', 'db-0', '--', 'cat', '/etc/hosts']);
    assert.match(r.stdout, /^# Kubernetes-managed hosts file\.$/m);
    assert.match(r.stdout, new RegExp(`^${esc(ip)}\\tdb-0\\.db\\.${esc(ns.name)}\\.svc\\.cluster\\.local\\tdb-0$`, 'm'));
  });
});
