import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt } from '../../src/auth/authn/jwt.js';
import { ServiceAccountTokens, DEFAULT_ISSUER, type ObjectLookup } from '../../src/auth/authn/service-account-tokens.js';
import { bootstrapTokenAuthenticator, bootstrapTokenSecret, bootstrapUser, generateBootstrapToken, formatBootstrapToken, parseBootstrapToken } from '../../src/auth/authn/bootstrap-tokens.js';
import { parseCsvLine, parseTokenCsv, tokenFileAuthenticator } from '../../src/auth/authn/token-file.js';
import { reviewToken, tokenLifetime } from '../../src/auth/authn/token-handlers.js';

function withDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'k8ts-authn-'));
  return fn(dir).finally(() => rmSync(dir, { recursive: true, force: true }));
}

const objects = new Map<string, { uid: string; deletionTimestamp?: string }>([
  ['ns1/ServiceAccount/build', { uid: 'sa-uid' }],
  ['ns1/Pod/p1', { uid: 'pod-uid' }],
]);
const lookup: ObjectLookup = async (ns, kind, name) => objects.get(`${ns}/${kind}/${name}`);

test('ServiceAccount key is created once and reused', () =>
  withDir(async (dir) => {
    const a = await ServiceAccountTokens.load(dir);
    assert.equal(statSync(join(dir, 'tls', 'service-account.key')).mode & 0o777, 0o600);
    const b = await ServiceAccountTokens.load(dir, { lookup });
    const t = a.issue({ namespace: 'ns1', serviceAccountName: 'build', serviceAccountUID: 'sa-uid', expirationSeconds: 3600 });
    const v = await b.verify(t.token);
    assert.ok(v && 'user' in v, JSON.stringify(v));
    assert.equal(a.kid, b.kid);
  }));

test('ServiceAccount token claims and user as upstream', () =>
  withDir(async (dir) => {
    const s = await ServiceAccountTokens.load(dir, { lookup });
    const now = new Date('2026-01-01T00:00:00Z');
    const t = s.issue({ namespace: 'ns1', serviceAccountName: 'build', serviceAccountUID: 'sa-uid', expirationSeconds: 3600, boundObject: { kind: 'Pod', name: 'p1', uid: 'pod-uid' }, now });
    assert.equal(t.expirationTimestamp, '2026-01-01T01:00:00Z');
    const jwt = decodeJwt(t.token)!;
    assert.equal(jwt.header.alg, 'ES256');
    assert.equal(jwt.claims.iss, DEFAULT_ISSUER);
    assert.equal(jwt.claims.sub, 'system:serviceaccount:ns1:build');
    assert.deepEqual(jwt.claims.aud, [DEFAULT_ISSUER]);
    assert.equal(jwt.claims.exp, Date.parse('2026-01-01T01:00:00Z') / 1000);
    assert.deepEqual((jwt.claims['kubernetes.io'] as any).pod, { name: 'p1', uid: 'pod-uid' });
    const v = (await s.verify(t.token, undefined, new Date('2026-01-01T00:30:00Z'))) as any;
    assert.equal(v.user.username, 'system:serviceaccount:ns1:build');
    assert.equal(v.user.uid, 'sa-uid');
    assert.deepEqual(v.user.groups, ['system:serviceaccounts', 'system:serviceaccounts:ns1', 'system:authenticated']);
    assert.deepEqual(v.user.extra['authentication.kubernetes.io/pod-name'], ['p1']);
    assert.deepEqual(v.user.extra['authentication.kubernetes.io/pod-uid'], ['pod-uid']);
    // Expired.
    assert.match(((await s.verify(t.token, undefined, new Date('2026-01-01T01:00:01Z'))) as any).error, /expired/);
    // The authenticator works on the wall clock, so this old token is refused.
    assert.equal(await s.authenticator()(t.token), null);
  }));

test('ServiceAccount token: audience, signature, deleted objects', () =>
  withDir(async (dir) => {
    const s = await ServiceAccountTokens.load(dir, { lookup });
    const base = { namespace: 'ns1', serviceAccountName: 'build', serviceAccountUID: 'sa-uid', expirationSeconds: 3600 };
    const vault = s.issue({ ...base, audiences: ['vault'] });
    assert.equal(await s.authenticator()(vault.token), null, 'not for the API server');
    assert.ok('user' in ((await s.verify(vault.token, ['vault', 'x'])) as any));
    const ok = s.issue(base).token;
    assert.ok(await s.authenticator()(ok));
    const parts = ok.split('.');
    const tampered = [parts[0], Buffer.from(JSON.stringify({ ...decodeJwt(ok)!.claims, sub: 'system:serviceaccount:ns1:admin' })).toString('base64url'), parts[2]].join('.');
    assert.match(((await s.verify(tampered)) as any).error, /signature/);
    // Another cluster's key: signature fails.
    await withDir(async (d2) => {
      const other = await ServiceAccountTokens.load(d2);
      assert.match(((await s.verify(other.issue(base).token)) as any).error, /signature/);
    });
    // Not a JWT of ours at all: no opinion.
    assert.equal(await s.verify('abcdef.0123456789abcdef'), null);
    // SA recreated with another uid.
    const recreated = s.issue({ ...base, serviceAccountUID: 'old-uid' }).token;
    assert.match(((await s.verify(recreated)) as any).error, /invalidated/);
    // Pod gone.
    const podGone = s.issue({ ...base, boundObject: { kind: 'Pod', name: 'gone', uid: 'x' } }).token;
    assert.match(((await s.verify(podGone)) as any).error, /invalidated/);
  }));

test('bootstrap tokens: format, Secret and authentication', async () => {
  const t = generateBootstrapToken();
  const str = formatBootstrapToken(t);
  assert.match(str, /^[a-z0-9]{6}\.[a-z0-9]{16}$/);
  assert.deepEqual(parseBootstrapToken(str), t);
  assert.equal(parseBootstrapToken('ABCDEF.0123456789abcdef'), undefined);
  const now = new Date('2026-01-01T00:00:00Z');
  const secret = bootstrapTokenSecret(t, { ttlSeconds: 86400, now }) as any;
  assert.equal(secret.metadata.name, `bootstrap-token-${t.id}`);
  assert.equal(secret.metadata.namespace, 'kube-system');
  assert.equal(secret.type, 'bootstrap.kubernetes.io/token');
  assert.equal(Buffer.from(secret.data.expiration, 'base64').toString(), '2026-01-02T00:00:00Z');
  assert.equal(Buffer.from(secret.data['auth-extra-groups'], 'base64').toString(), 'system:bootstrappers:k8ts:default-node-token');
  assert.deepEqual(bootstrapUser(str, secret, now), {
    username: `system:bootstrap:${t.id}`,
    groups: ['system:bootstrappers', 'system:bootstrappers:k8ts:default-node-token', 'system:authenticated'],
  });
  assert.equal(bootstrapUser(str, secret, new Date('2026-01-02T00:00:00Z')), undefined, 'expired');
  assert.equal(bootstrapUser(`${t.id}.${'a'.repeat(16)}`, secret, now), undefined, 'wrong secret');
  assert.equal(bootstrapUser(str, { ...secret, type: 'Opaque' }, now), undefined, 'wrong type');
  assert.equal(bootstrapUser(str, { ...secret, data: { ...secret.data, 'usage-bootstrap-authentication': Buffer.from('false').toString('base64') } }, now), undefined);
  const auth = bootstrapTokenAuthenticator(async (ns, name) => (ns === 'kube-system' && name === secret.metadata.name ? secret : undefined), () => now);
  assert.equal((await auth(str))?.username, `system:bootstrap:${t.id}`);
  assert.equal(await auth('nope'), null);
  assert.throws(() => bootstrapTokenSecret(t, { groups: ['admins'] }), /invalid bootstrap token group/);
});

test('static token file', () => {
  assert.deepEqual(parseCsvLine('a,b,c,"g1,g2"'), ['a', 'b', 'c', 'g1,g2']);
  assert.deepEqual(parseCsvLine('a, "x""y",c'), ['a', 'x"y', 'c']);
  const users = parseTokenCsv('# comment\n\ns3cr3t,alice,1001,"dev,ops"\nt2,bob,1002\n');
  const auth = tokenFileAuthenticator(users);
  assert.deepEqual(auth('s3cr3t'), { username: 'alice', uid: '1001', groups: ['dev', 'ops', 'system:authenticated'] });
  assert.deepEqual(auth('t2'), { username: 'bob', uid: '1002', groups: ['system:authenticated'] });
  assert.equal(auth('nope'), null);
  assert.throws(() => parseTokenCsv('only,two\n'), /line 1: expected at least 3 columns/);
});

test('TokenRequest lifetime rules', () => {
  assert.equal(tokenLifetime(undefined, 'sa'), 3600);
  assert.equal(tokenLifetime(7200, 'sa'), 7200);
  assert.equal(tokenLifetime(7200, 'sa', 3600), 3600);
  assert.throws(() => tokenLifetime(60, 'sa'), /TokenRequest.authentication.k8s.io "sa" is invalid: spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes/);
});

test('TokenReview: ServiceAccount tokens by audience, other authenticators only for the API', () =>
  withDir(async (dir) => {
    const tokens = await ServiceAccountTokens.load(dir, { lookup });
    const others = [tokenFileAuthenticator(parseTokenCsv('static,carol,7,'))];
    const t = tokens.issue({ namespace: 'ns1', serviceAccountName: 'build', serviceAccountUID: 'sa-uid', expirationSeconds: 3600 }).token;
    const r = await reviewToken({ machinery: undefined as any, tokens, others }, t, []);
    assert.equal(r.authenticated, true);
    assert.deepEqual((r as any).audiences, [DEFAULT_ISSUER]);
    const wrongAud = await reviewToken({ machinery: undefined as any, tokens, others }, t, ['vault']);
    assert.equal(wrongAud.authenticated, false);
    assert.match((wrongAud as any).error, /invalid for the target audiences/);
    assert.equal((await reviewToken({ machinery: undefined as any, tokens, others }, 'static', [])).authenticated, true);
    assert.equal((await reviewToken({ machinery: undefined as any, tokens, others }, 'static', ['vault'])).authenticated, false);
  }));

test('authenticator caches successes briefly; verify always sees deletions', () =>
  withDir(async (dir) => {
    let live = true;
    const s = await ServiceAccountTokens.load(dir, { lookup: async () => (live ? { uid: 'sa-uid' } : undefined) });
    const t = s.issue({ namespace: 'ns1', serviceAccountName: 'build', serviceAccountUID: 'sa-uid', expirationSeconds: 3600 }).token;
    const cached = s.authenticator();
    const uncached = s.authenticator(0);
    assert.ok(await cached(t));
    live = false;
    assert.ok(await cached(t), 'within the cache TTL');
    assert.equal(await uncached(t), null);
    assert.match(((await s.verify(t)) as any).error, /invalidated/);
    assert.equal(s.jwks().keys.length, 1);
  }));

import { planTokenSecret } from '../../src/auth/authn/legacy-token-controller.js';

test('legacy token Secrets: filled for their ServiceAccount, valid while the Secret holds the token', () =>
  withDir(async (dir) => {
    const store = new Map<string, any>();
    const s = await ServiceAccountTokens.load(dir, {
      lookup: async (ns, kind, name) => {
        const o = store.get(`${ns}/${kind}/${name}`);
        if (!o) return undefined;
        return { uid: o.metadata.uid, secretToken: o.data?.token ? Buffer.from(o.data.token, 'base64').toString() : undefined };
      },
    });
    const sa = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'ci', namespace: 'ns1', uid: 'sa-uid' } };
    const secret = { apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/service-account-token', metadata: { name: 'ci-token', namespace: 'ns1', uid: 's-uid', annotations: { 'kubernetes.io/service-account.name': 'ci' } } } as any;
    assert.deepEqual(planTokenSecret(secret, undefined, { tokens: s, caPem: 'CA' }), { action: 'delete' });
    const plan = planTokenSecret(secret, sa, { tokens: s, caPem: 'CA' }) as any;
    assert.equal(plan.action, 'fill');
    assert.equal(plan.secret.metadata.annotations['kubernetes.io/service-account.uid'], 'sa-uid');
    assert.equal(Buffer.from(plan.secret.data['ca.crt'], 'base64').toString(), 'CA');
    assert.equal(Buffer.from(plan.secret.data.namespace, 'base64').toString(), 'ns1');
    assert.deepEqual(planTokenSecret(plan.secret, sa, { tokens: s, caPem: 'CA' }), { action: 'none' });
    assert.deepEqual(planTokenSecret(plan.secret, { ...sa, metadata: { ...sa.metadata, uid: 'other' } }, { tokens: s, caPem: 'CA' }), { action: 'delete' });
    const token = Buffer.from(plan.secret.data.token, 'base64').toString();
    assert.equal(decodeJwt(token)!.claims.iss, 'kubernetes/serviceaccount');
    store.set('ns1/ServiceAccount/ci', sa);
    store.set('ns1/Secret/ci-token', plan.secret);
    const v = (await s.verify(token)) as any;
    assert.equal(v.user.username, 'system:serviceaccount:ns1:ci');
    assert.equal(v.user.uid, 'sa-uid');
    assert.ok(await s.authenticator()(token));
    assert.match(((await s.verify(token, ['vault'])) as any).error, /invalid for the target audiences/);
    store.delete('ns1/Secret/ci-token');
    assert.match(((await s.verify(token)) as any).error, /invalidated/);
  }));
