import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Duplex } from 'node:stream';
import tls from 'node:tls';
import { parseClientHello } from '../../src/ingress/client-hello.js';
import { buildRoutingTable } from '../../src/ingress/routing-table.js';
import { passthroughBackend, selectCertificate } from '../../src/ingress/decide.js';
import { ingress, serviceWithEndpoints, sources, tlsSecret } from './ingress-fixtures.js';

/** The first bytes a real TLS client sends for servername (captured in memory, no network). */
function clientHelloFor(servername: string | undefined): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const wire = new Duplex({
      read() {},
      write(chunk: Buffer, _enc, cb) {
        chunks.push(chunk);
        cb();
        resolve(Buffer.concat(chunks));
      },
    });
    const sock = tls.connect({ socket: wire, servername, rejectUnauthorized: false });
    sock.on('error', () => undefined);
    setTimeout(() => sock.destroy(), 50);
  });
}

test('the SNI name is read from a real ClientHello, whole or not yet complete', async () => {
  const hello = await clientHelloFor('shop.example.test');
  assert.deepEqual(parseClientHello(hello), { kind: 'hello', serverName: 'shop.example.test' });
  assert.deepEqual(parseClientHello(hello.subarray(0, 3)), { kind: 'incomplete' });
  assert.deepEqual(parseClientHello(hello.subarray(0, hello.length - 1)), { kind: 'incomplete' });
  const noSni = await clientHelloFor(undefined);
  assert.deepEqual(parseClientHello(noSni), { kind: 'hello' });
  assert.deepEqual(parseClientHello(Buffer.from('GET / HTTP/1.1\r\n')), { kind: 'notTls' });
});

test('certificates by SNI: exact host, then wildcard, then a host-less entry; bad secrets are skipped', () => {
  const t = buildRoutingTable(
    sources({
      services: [serviceWithEndpoints('a', ['10.42.0.1'])],
      secrets: [tlsSecret('one', 'CERT-ONE', 'KEY-ONE'), tlsSecret('wild', 'CERT-WILD', 'KEY-WILD'), tlsSecret('any', 'CERT-ANY', 'KEY-ANY')],
      ingresses: [
        ingress('tls', {
          tls: [{ hosts: ['one.test'], secretName: 'one' }, { hosts: ['*.wild.test'], secretName: 'wild' }, { hosts: ['broken.test'], secretName: 'missing' }],
          rules: [{ host: 'one.test', paths: [{ service: 'a' }] }],
        }),
        ingress('fallback', { tls: [{ secretName: 'any' }], rules: [{ host: 'x.test', paths: [{ service: 'a' }] }] }),
      ],
    }),
  );
  assert.equal(selectCertificate(t.tls, 'one.test')?.certPem, 'CERT-ONE');
  assert.equal(selectCertificate(t.tls, 'ONE.test')?.keyPem, 'KEY-ONE');
  assert.equal(selectCertificate(t.tls, 'a.wild.test')?.certPem, 'CERT-WILD');
  assert.equal(selectCertificate(t.tls, 'a.b.wild.test')?.certPem, 'CERT-ANY');
  assert.equal(selectCertificate(t.tls, undefined)?.certPem, 'CERT-ANY');
  assert.equal(selectCertificate(t.tls, 'broken.test')?.certPem, 'CERT-ANY');
  assert.equal(selectCertificate(t.tls, 'one.test')?.id, 'default/one@7');
  assert.match(t.problems.join(), /default\/missing/);

  const none = buildRoutingTable(sources({ ingresses: [] }));
  assert.equal(selectCertificate(none.tls, 'one.test'), undefined); // the default certificate
});

test('ssl-passthrough: the host is served by raw TCP to its backend, not by HTTP routes', () => {
  const t = buildRoutingTable(
    sources({
      services: [serviceWithEndpoints('secure', ['10.42.0.7']), serviceWithEndpoints('web', ['10.42.0.8'])],
      ingresses: [
        ingress('pass', { annotations: { 'nginx.ingress.kubernetes.io/ssl-passthrough': 'true' }, rules: [{ host: 'pass.test', paths: [{ service: 'secure', port: 80 }] }] }),
        ingress('web', { rules: [{ host: 'web.test', paths: [{ service: 'web' }] }] }),
      ],
    }),
  );
  assert.deepEqual(passthroughBackend(t, 'PASS.test')?.endpoints, [{ ip: '10.42.0.7', port: 8080 }]);
  assert.equal(passthroughBackend(t, 'web.test'), undefined);
  assert.equal(passthroughBackend(t, undefined), undefined);
  assert.equal(t.exact.has('pass.test'), false);
});
