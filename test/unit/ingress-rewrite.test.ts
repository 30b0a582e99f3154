import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildRoutingTable } from '../../src/ingress/routing-table.js';
import { decide } from '../../src/ingress/decide.js';
import { rewritePath } from '../../src/ingress/paths.js';
import { backendRequestHeaders, clientResponseHeaders } from '../../src/ingress/headers.js';
import { ingress, serviceWithEndpoints, sources } from './ingress-fixtures.js';

const services = [serviceWithEndpoints('app', ['10.42.0.1']), serviceWithEndpoints('other', ['10.42.0.2'])];
const pathOf = (host: string, url: string, ings: ReturnType<typeof ingress>[]) => {
  const d = decide(buildRoutingTable(sources({ services, ingresses: ings })), { host, url, scheme: 'http' });
  return d.kind === 'proxy' ? `${d.backend.key.split(':')[0]} ${d.path}` : d.kind;
};

test('rewrite-target with capture groups (the ingress-nginx example)', () => {
  const ing = ingress('rw', {
    annotations: { 'nginx.ingress.kubernetes.io/rewrite-target': '/$2', 'nginx.ingress.kubernetes.io/use-regex': 'true' },
    rules: [{ host: 'rw.test', paths: [{ path: '/something(/|$)(.*)', pathType: 'ImplementationSpecific', service: 'app' }] }],
  });
  assert.equal(pathOf('rw.test', '/something', [ing]), 'default/app /');
  assert.equal(pathOf('rw.test', '/something/', [ing]), 'default/app /');
  assert.equal(pathOf('rw.test', '/something/new?q=1', [ing]), 'default/app /new?q=1');
  assert.equal(pathOf('rw.test', '/SOMETHING/x', [ing]), 'default/app /x');
  assert.equal(pathOf('rw.test', '/other', [ing]), 'notFound');
});

test('rewrite-target without groups replaces the whole path; other Ingresses are untouched', () => {
  const rw = ingress('rw', { annotations: { 'nginx.ingress.kubernetes.io/rewrite-target': '/' }, rules: [{ host: 'h.test', paths: [{ path: '/app', service: 'app' }] }] });
  const plain = ingress('plain', { rules: [{ host: 'h.test', paths: [{ path: '/other', service: 'other' }] }] });
  assert.equal(pathOf('h.test', '/app/deep/path', [rw, plain]), 'default/app /');
  assert.equal(pathOf('h.test', '/other/deep?x=y', [rw, plain]), 'default/other /other/deep?x=y');
});

test('rewritePath keeps the query and adds a leading slash', () => {
  assert.equal(rewritePath('$1', /^\/a\/(.*)/.exec('/a/b/c'), 'k=v'), '/b/c?k=v');
  assert.equal(rewritePath('/x?fixed=1', null, 'k=v'), '/x?fixed=1&k=v');
});

test('forwarded headers: client address, scheme, host and port; hop-by-hop headers dropped both ways', () => {
  const h = backendRequestHeaders(
    { host: 'shop.test', connection: 'keep-alive, x-secret', 'x-secret': '1', 'keep-alive': 'timeout=5', 'x-forwarded-for': 'spoofed', accept: '*/*' },
    { remoteAddress: '::ffff:127.0.0.9', scheme: 'https', port: 443 },
  );
  assert.deepEqual(h, { host: 'shop.test', accept: '*/*', 'x-forwarded-for': '127.0.0.9', 'x-real-ip': '127.0.0.9', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'shop.test', 'x-forwarded-port': '443' });
  const up = backendRequestHeaders({ host: 'ws.test', connection: 'Upgrade', upgrade: 'websocket' }, { remoteAddress: '127.0.0.1', scheme: 'http', port: 80 }, true);
  assert.equal(up.connection, 'Upgrade');
  assert.equal(up.upgrade, 'websocket');
  assert.deepEqual(clientResponseHeaders({ 'content-type': 'text/plain', 'transfer-encoding': 'chunked', connection: 'close' }), { 'content-type': 'text/plain' });
});
