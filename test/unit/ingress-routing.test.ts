import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildRoutingTable } from '../../src/ingress/routing-table.js';
import { decide, EndpointRotation, type Decision } from '../../src/ingress/decide.js';
import { prefixMatches, requestHost, wildcardMatches } from '../../src/ingress/paths.js';
import { ingress, k8tsClass, otherClass, serviceWithEndpoints, sources } from './ingress-fixtures.js';

const a = serviceWithEndpoints('a', ['10.42.0.1']);
const b = serviceWithEndpoints('b', ['10.42.0.2']);
const c = serviceWithEndpoints('c', ['10.42.0.3']);
const services = [a, b, c];

/** Which service a request reaches ("404", "308 <location>", or the service name). */
function where(d: Decision): string {
  if (d.kind === 'notFound') return '404';
  if (d.kind === 'redirect') return `${d.status} ${d.location}`;
  return d.backend.key.split('/')[1]!.split(':')[0]!;
}

test('Prefix matches whole path elements; a trailing slash is ignored', () => {
  assert.ok(prefixMatches('/foo', '/foo'));
  assert.ok(prefixMatches('/foo', '/foo/'));
  assert.ok(prefixMatches('/foo/', '/foo'));
  assert.ok(prefixMatches('/foo', '/foo/bar'));
  assert.ok(!prefixMatches('/foo', '/foobar'));
  assert.ok(!prefixMatches('/foo/bar', '/foo/baz'));
  assert.ok(prefixMatches('/', '/anything'));
});

test('hosts: exact, and wildcards cover exactly one extra label', () => {
  assert.equal(requestHost('Foo.Example.com:8080'), 'foo.example.com');
  assert.equal(requestHost('[::1]:80'), '[::1]');
  assert.ok(wildcardMatches('*.example.com', 'foo.example.com'));
  assert.ok(!wildcardMatches('*.example.com', 'example.com'));
  assert.ok(!wildcardMatches('*.example.com', 'a.b.example.com'));
});

test('the longest matching path wins, Exact before Prefix of the same path, across merged Ingresses', () => {
  const t = buildRoutingTable(
    sources({
      services,
      ingresses: [
        ingress('one', { rules: [{ host: 'shop.test', paths: [{ path: '/', service: 'a' }, { path: '/api', service: 'b' }] }] }),
        ingress('two', { rules: [{ host: 'shop.test', paths: [{ path: '/api/v2', service: 'c' }, { path: '/exact', pathType: 'Exact', service: 'c' }, { path: '/exact', service: 'b' }] }] }),
      ],
    }),
  );
  const go = (url: string, host = 'shop.test') => where(decide(t, { host, url, scheme: 'http' }));
  assert.equal(go('/'), 'a');
  assert.equal(go('/api'), 'b');
  assert.equal(go('/api/v1/x'), 'b');
  assert.equal(go('/apix'), 'a');
  assert.equal(go('/api/v2/items?x=1'), 'c');
  assert.equal(go('/exact'), 'c');
  assert.equal(go('/exact/more'), 'b');
  assert.equal(go('/', 'other.test'), '404');
});

test('host selection: exact host, then wildcard, then rules without host; unknown paths on a host fall to the default backend', () => {
  const t = buildRoutingTable(
    sources({
      services,
      ingresses: [
        ingress('hosts', {
          rules: [
            { host: 'a.test', paths: [{ path: '/only', service: 'a' }] },
            { host: '*.wild.test', paths: [{ service: 'b' }] },
            { paths: [{ service: 'c' }] },
          ],
        }),
        ingress('fallback', { defaultBackend: { service: 'c', port: 80 } }),
      ],
    }),
  );
  const go = (host: string, url = '/') => where(decide(t, { host, url, scheme: 'http' }));
  assert.equal(go('a.test', '/only'), 'a');
  assert.equal(go('A.TEST:80', '/only/x'), 'a');
  assert.equal(go('a.test', '/other'), 'c'); // cluster default backend
  assert.equal(go('x.wild.test'), 'b');
  assert.equal(go('x.y.wild.test'), 'c');
  assert.equal(go('nohost.test'), 'c');
});

test('a defaultBackend is the fallback for its own hosts; without any, unmatched requests get 404', () => {
  const t = buildRoutingTable(sources({ services, ingresses: [ingress('d', { defaultBackend: { service: 'b', port: 80 }, rules: [{ host: 'h.test', paths: [{ path: '/x', service: 'a' }] }] })] }));
  assert.equal(where(decide(t, { host: 'h.test', url: '/y', scheme: 'http' })), 'b');
  const none = buildRoutingTable(sources({ services, ingresses: [ingress('n', { rules: [{ host: 'h.test', paths: [{ path: '/x', service: 'a' }] }] })] }));
  assert.equal(where(decide(none, { host: 'h.test', url: '/y', scheme: 'http' })), '404');
});

test('the same path in two Ingresses: the older one keeps it and the clash is reported', () => {
  const t = buildRoutingTable(
    sources({
      services,
      ingresses: [ingress('old', { rules: [{ host: 'h.test', paths: [{ path: '/p', service: 'a' }] }] }), ingress('new', { rules: [{ host: 'h.test', paths: [{ path: '/p', service: 'b' }] }] })],
    }),
  );
  assert.equal(where(decide(t, { host: 'h.test', url: '/p', scheme: 'http' })), 'a');
  assert.match(t.problems.join(), /already served/);
});

test('class: ingressClassName k8ts, or none while k8ts is the default; other classes are ignored', () => {
  const ings = [
    ingress('mine', { cls: 'k8ts', rules: [{ host: 'mine.test', paths: [{ service: 'a' }] }] }),
    ingress('unset', { rules: [{ host: 'unset.test', paths: [{ service: 'a' }] }] }),
    ingress('theirs', { cls: 'nginx', rules: [{ host: 'theirs.test', paths: [{ service: 'a' }] }] }),
  ];
  const asDefault = buildRoutingTable(sources({ services, ingresses: ings, classes: [k8tsClass(true), otherClass()] }));
  assert.deepEqual(asDefault.ingresses, ['default/mine', 'default/unset']);
  const notDefault = buildRoutingTable(sources({ services, ingresses: ings, classes: [k8tsClass(false), otherClass()] }));
  assert.deepEqual(notDefault.ingresses, ['default/mine']);
  assert.equal(where(decide(notDefault, { host: 'unset.test', url: '/', scheme: 'http' })), '404');
});

test('backends: port by name or number, only ready endpoints, a missing Service has none (503)', () => {
  const mixed = serviceWithEndpoints('m', ['10.42.0.9'], { notReady: ['10.42.0.8'] });
  const t = buildRoutingTable(
    sources({
      services: [mixed],
      ingresses: [ingress('p', { rules: [{ host: 'byname.test', paths: [{ service: 'm', port: 'http' }] }, { host: 'bynum.test', paths: [{ service: 'm', port: 80 }] }, { host: 'gone.test', paths: [{ service: 'missing' }] }] })],
    }),
  );
  for (const host of ['byname.test', 'bynum.test']) {
    const d = decide(t, { host, url: '/', scheme: 'http' });
    assert.equal(d.kind, 'proxy');
    assert.deepEqual(d.kind === 'proxy' && d.backend.endpoints, [{ ip: '10.42.0.9', port: 8080 }]);
  }
  const gone = decide(t, { host: 'gone.test', url: '/', scheme: 'http' });
  assert.ok(gone.kind === 'proxy' && gone.backend.endpoints.length === 0);
  assert.match(t.problems.join(), /default\/missing/);
});

test('ssl-redirect: 308 to https for hosts with TLS unless the annotation says false; force-ssl-redirect without TLS', () => {
  const t = buildRoutingTable(
    sources({
      services,
      ingresses: [
        ingress('tls', { tls: [{ hosts: ['secure.test'], secretName: 's' }], rules: [{ host: 'secure.test', paths: [{ service: 'a' }] }] }),
        ingress('off', { annotations: { 'nginx.ingress.kubernetes.io/ssl-redirect': 'false' }, tls: [{ hosts: ['lax.test'], secretName: 's' }], rules: [{ host: 'lax.test', paths: [{ service: 'a' }] }] }),
        ingress('force', { annotations: { 'nginx.ingress.kubernetes.io/force-ssl-redirect': 'true' }, rules: [{ host: 'forced.test', paths: [{ service: 'a' }] }] }),
        ingress('plain', { rules: [{ host: 'plain.test', paths: [{ service: 'a' }] }] }),
      ],
    }),
  );
  assert.equal(where(decide(t, { host: 'secure.test', url: '/x?y=1', scheme: 'http' })), '308 https://secure.test/x?y=1');
  assert.equal(where(decide(t, { host: 'secure.test', url: '/x', scheme: 'https' })), 'a');
  assert.equal(where(decide(t, { host: 'secure.test', url: '/x', scheme: 'http' }, 8443)), '308 https://secure.test:8443/x');
  assert.equal(where(decide(t, { host: 'lax.test', url: '/', scheme: 'http' })), 'a');
  assert.equal(where(decide(t, { host: 'forced.test', url: '/', scheme: 'http' })), '308 https://forced.test/');
  assert.equal(where(decide(t, { host: 'plain.test', url: '/', scheme: 'http' })), 'a');
});

test('round-robin over endpoints keeps its position across table rebuilds and lists the rest for retries', () => {
  const three = serviceWithEndpoints('r', ['10.42.0.1', '10.42.0.2', '10.42.0.3']);
  const build = () => buildRoutingTable(sources({ services: [three], ingresses: [ingress('r', { rules: [{ paths: [{ service: 'r' }] }] })] }));
  const rot = new EndpointRotation();
  const firstIP = () => {
    const d = decide(build(), { host: 'x', url: '/', scheme: 'http' });
    assert.equal(d.kind, 'proxy');
    return d.kind === 'proxy' ? rot.order(d.backend).map((e) => e.ip) : [];
  };
  assert.deepEqual(firstIP(), ['10.42.0.1', '10.42.0.2', '10.42.0.3']);
  assert.deepEqual(firstIP(), ['10.42.0.2', '10.42.0.3', '10.42.0.1']);
  assert.deepEqual(firstIP(), ['10.42.0.3', '10.42.0.1', '10.42.0.2']);
  assert.deepEqual(firstIP(), ['10.42.0.1', '10.42.0.2', '10.42.0.3']);
});
