// The security chain as a user meets it through the real kubectl: authentication (client
// certificates from the CSR API, ServiceAccount tokens, none → 401), RBAC (the seed's sky/shield
// example, escalation prevention), the Node authorizer, admission (quota, LimitRange, PodSecurity,
// webhooks, ValidatingAdmissionPolicy) and, on a private server, Secrets encrypted at rest and the
// audit log. Everything lives in namespaces named after this run and is removed afterwards.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { httpsGet, readKubeconfig, startCluster, useCluster, type Cluster } from '../support/cluster.js';
import { createCA, issueCertificate } from '../../src/pki/ca.js';

const run = randomBytes(3).toString('hex');
const ns = (name: string) => `${name}-${run}`;
const SHIELD = ns('shield');
const OTHER = ns('sec-other');
const created = { namespaces: new Set<string>(), csrs: new Set<string>(), cluster: [] as string[] };

let cluster: Cluster;
let scratch: string;

async function kubectl(args: string[], opts: { kubeconfig?: string; input?: string } = {}) {
  return cluster.kubectl(args, { ...opts, allowFail: true });
}

/** Runs kubectl as admin and fails the test on a non-zero exit. */
async function admin(args: string[], input?: string): Promise<string> {
  return (await cluster.kubectl(args, { input })).stdout;
}

async function apply(obj: unknown, kubeconfig?: string) {
  return kubectl(['apply', '-f', '-'], { input: JSON.stringify(obj), kubeconfig });
}

async function namespace(name: string, labels: Record<string, string> = {}): Promise<void> {
  created.namespaces.add(name);
  await admin(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } }));
}

function forbidden(r: { code: number; stderr: string }, text: string): void {
  assert.notEqual(r.code, 0, 'expected kubectl to fail');
  assert.ok(r.stderr.includes(text), `expected "${text}" in: ${r.stderr}`);
}

async function eventually<T>(what: string, f: () => Promise<T | undefined>, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function writeKubeconfig(name: string, user: Record<string, string>): string {
  const creds = readKubeconfig(cluster.kubeconfig);
  const file = path.join(scratch, `${name}.kubeconfig`);
  const clusterEntry: Record<string, string> = { server: creds.server };
  if (creds.ca) clusterEntry['certificate-authority-data'] = creds.ca.toString('base64');
  writeFileSync(file, JSON.stringify({
    apiVersion: 'v1', kind: 'Config', 'current-context': name,
    clusters: [{ name: 'k8ts', cluster: clusterEntry }],
    users: [{ name, user }],
    contexts: [{ name, context: { cluster: 'k8ts', user: name } }],
  }));
  return file;
}

/** A user's kubeconfig through the CSR API, as an admin hands one out: openssl key + CSR, approve, fetch. */
async function userKubeconfig(user: string, groups: string[] = []): Promise<string> {
  const base = path.join(scratch, user.replace(/[^a-z0-9]/g, '_'));
  const subject = [...groups.map((g) => `/O=${g}`), `/CN=${user}`].join('');
  execFileSync('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${base}.key`, '-out', `${base}.csr`, '-subj', subject], { stdio: 'ignore' });
  const name = `${user.replace(/[^a-z0-9.-]/g, '-')}-${run}`;
  created.csrs.add(name);
  await admin(['apply', '-f', '-'], JSON.stringify({
    apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', metadata: { name },
    spec: { request: readFileSync(`${base}.csr`).toString('base64'), signerName: 'kubernetes.io/kube-apiserver-client', usages: ['client auth'], expirationSeconds: 3600 },
  }));
  await admin(['certificate', 'approve', name]);
  const cert = await eventually(`the certificate of ${name}`, async () => (await admin(['get', 'csr', name, '-o', 'jsonpath={.status.certificate}'])).trim() || undefined);
  return writeKubeconfig(user, { 'client-certificate-data': cert, 'client-key-data': readFileSync(`${base}.key`).toString('base64') });
}

before(async () => {
  cluster = await useCluster();
  scratch = mkdtempSync(path.join(os.tmpdir(), 'k8ts-security-'));
});

after(async () => {
  if (cluster) {
    for (const ref of created.cluster) await kubectl(['delete', ref, '--ignore-not-found', '--wait=false']);
    if (created.csrs.size) await kubectl(['delete', 'csr', ...created.csrs, '--ignore-not-found']);
    if (created.namespaces.size) await kubectl(['delete', 'namespace', ...created.namespaces, '--ignore-not-found', '--wait=false']);
    await cluster.stop();
  }
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe('security through kubectl', { concurrency: true }, () => {
  it("the seed's example: sky reads Deployments in shield and nothing else", async () => {
    await namespace(SHIELD);
    await namespace(OTHER);
    const rbac = [
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { namespace: SHIELD, name: 'read-deployments' }, rules: [{ apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'watch', 'list'] }] },
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'read-deployments', namespace: SHIELD }, subjects: [{ kind: 'User', name: 'sky', apiGroup: 'rbac.authorization.k8s.io' }], roleRef: { kind: 'Role', name: 'read-deployments', apiGroup: 'rbac.authorization.k8s.io' } },
    ];
    await admin(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: rbac }));
    await admin(['create', 'deployment', 'hello', '--image=nginx', '-n', SHIELD]);
    const sky = await userKubeconfig('sky', ['devs']);
    const whoami = await kubectl(['auth', 'whoami'], { kubeconfig: sky });
    assert.match(whoami.stdout, /Username\s+sky/);
    assert.match(whoami.stdout, /Groups\s+\[devs system:authenticated\]/);
    // The binding reaches the authorizer through its informers: wait for the first yes.
    await eventually('sky to be allowed', async () => ((await kubectl(['auth', 'can-i', 'list', 'deployments', '-n', SHIELD], { kubeconfig: sky })).stdout.trim() === 'yes' ? true : undefined));
    const list = await kubectl(['get', 'deployments', '-n', SHIELD], { kubeconfig: sky });
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /^hello\s/m);
    assert.equal((await kubectl(['get', 'deployment', 'hello', '-n', SHIELD, '-o', 'jsonpath={.metadata.name}'], { kubeconfig: sky })).stdout, 'hello');
    const watch = await kubectl(['get', '--raw', `/apis/apps/v1/namespaces/${SHIELD}/deployments?watch=1&timeoutSeconds=1`], { kubeconfig: sky });
    assert.equal(watch.code, 0, watch.stderr);
    assert.match(watch.stdout, /"type":"ADDED"/);
    // kubectl's create subcommands print "error: failed to create <kind>: <server message>".
    forbidden(await kubectl(['create', 'deployment', 'mine', '--image=nginx', '-n', SHIELD], { kubeconfig: sky }),
      `error: failed to create deployment: deployments.apps is forbidden: User "sky" cannot create resource "deployments" in API group "apps" in the namespace "${SHIELD}"`);
    forbidden(await kubectl(['get', 'deployments', '-n', OTHER], { kubeconfig: sky }),
      `Error from server (Forbidden): deployments.apps is forbidden: User "sky" cannot list resource "deployments" in API group "apps" in the namespace "${OTHER}"`);
    forbidden(await kubectl(['get', 'secrets', '-n', SHIELD], { kubeconfig: sky }),
      `Error from server (Forbidden): secrets is forbidden: User "sky" cannot list resource "secrets" in API group "" in the namespace "${SHIELD}"`);
    const canI = async (...args: string[]) => (await kubectl(['auth', 'can-i', ...args], { kubeconfig: sky })).stdout.trim();
    assert.equal(await canI('watch', 'deployments', '-n', SHIELD), 'yes');
    assert.equal(await canI('create', 'deployments', '-n', SHIELD), 'no');
    assert.equal(await canI('list', 'deployments', '-n', OTHER), 'no');
    assert.equal(await canI('get', 'secrets', '-n', SHIELD), 'no');
    // The admin asks on sky's behalf (SubjectAccessReview through impersonation).
    assert.equal((await kubectl(['auth', 'can-i', 'list', 'deployments', '-n', SHIELD, '--as', 'sky'])).stdout.trim(), 'yes');
  });

  it('a request without valid credentials is 401 Unauthorized', async () => {
    // kubectl prompts for a password when a kubeconfig has no credentials at all, so the bare
    // request goes over HTTPS directly; kubectl itself gets a token the server does not know.
    const creds = readKubeconfig(cluster.kubeconfig);
    const bare = { server: creds.server, ca: creds.ca, insecure: creds.insecure };
    const pods = await httpsGet(bare, '/api/v1/namespaces/default/pods');
    assert.equal(pods.status, 401);
    assert.deepEqual(JSON.parse(pods.body), { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 });
    // Anonymous requests are served only where upstream's public-info role allows them.
    assert.equal((await httpsGet(bare, '/version')).status, 200);
    const stranger = writeKubeconfig('stranger', { token: 'not-a-token-this-server-issued' });
    forbidden(await kubectl(['get', 'pods', '-n', 'default'], { kubeconfig: stranger }), 'error: You must be logged in to the server (Unauthorized)');
  });

  it("a pod's ServiceAccount token can do what its RBAC allows and no more", async () => {
    const space = ns('sa');
    await namespace(space);
    await admin(['create', 'serviceaccount', 'robot', '-n', space]);
    await admin(['create', 'role', 'pod-reader', '--verb=get,list', '--resource=pods', '-n', space]);
    await admin(['create', 'rolebinding', 'robot-reads-pods', '--role=pod-reader', `--serviceaccount=${space}:robot`, '-n', space]);
    const token = (await admin(['create', 'token', 'robot', '-n', space, '--duration=10m'])).trim();
    assert.match(token, /^eyJ/);
    const robot = writeKubeconfig('robot', { token });
    const whoami = await kubectl(['auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}'], { kubeconfig: robot });
    assert.equal(whoami.stdout, `system:serviceaccount:${space}:robot`);
    await eventually('the robot to list pods', async () => ((await kubectl(['get', 'pods', '-n', space], { kubeconfig: robot })).code === 0 ? true : undefined));
    forbidden(await kubectl(['get', 'secrets', '-n', space], { kubeconfig: robot }),
      `secrets is forbidden: User "system:serviceaccount:${space}:robot" cannot list resource "secrets" in API group "" in the namespace "${space}"`);
    forbidden(await kubectl(['delete', 'pod', 'anything', '-n', space], { kubeconfig: robot }),
      `pods "anything" is forbidden: User "system:serviceaccount:${space}:robot" cannot delete resource "pods" in API group "" in the namespace "${space}"`);
    forbidden(await kubectl(['get', 'pods', '-n', 'default'], { kubeconfig: robot }),
      `pods is forbidden: User "system:serviceaccount:${space}:robot" cannot list resource "pods" in API group "" in the namespace "default"`);
  });

  it('a node identity reads the Secrets its pods use and no other', async () => {
    const space = ns('node');
    const node = `fake-node-${run}`;
    await namespace(space);
    await admin(['create', 'secret', 'generic', 'used', '--from-literal=k=v', '-n', space]);
    await admin(['create', 'secret', 'generic', 'unused', '--from-literal=k=v', '-n', space]);
    // Bound to a node that does not exist, so no kubelet ever starts it.
    await apply({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'uses-secret', namespace: space }, spec: { nodeName: node, containers: [{ name: 'c', image: 'busybox' }], volumes: [{ name: 's', secret: { secretName: 'used' } }] } });
    const kubelet = await userKubeconfig(`system:node:${node}`, ['system:nodes']);
    await eventually('the node to read its pod\'s secret', async () => ((await kubectl(['get', 'secret', 'used', '-n', space], { kubeconfig: kubelet })).code === 0 ? true : undefined));
    forbidden(await kubectl(['get', 'secret', 'unused', '-n', space], { kubeconfig: kubelet }),
      `secrets "unused" is forbidden: User "system:node:${node}" cannot get resource "secrets" in API group "" in the namespace "${space}": no relationship found between node '${node}' and this object`);
    forbidden(await kubectl(['get', 'secrets', '-n', space], { kubeconfig: kubelet }), `User "system:node:${node}" cannot list resource "secrets"`);
  });

  it('a user cannot bind a role they do not hold', async () => {
    const space = ns('escalate');
    await namespace(space);
    await admin(['create', 'role', 'binder', '--verb=create,get,list', '--resource=rolebindings.rbac.authorization.k8s.io', '-n', space]);
    await admin(['create', 'rolebinding', 'eve-binds', '--role=binder', '--user=eve', '-n', space]);
    const eve = await userKubeconfig('eve');
    await eventually('eve to create rolebindings', async () => ((await kubectl(['auth', 'can-i', 'create', 'rolebindings', '-n', space], { kubeconfig: eve })).stdout.trim() === 'yes' ? true : undefined));
    const r = await kubectl(['create', 'rolebinding', 'eve-admin', '--clusterrole=admin', '--user=eve', '-n', space], { kubeconfig: eve });
    forbidden(r, `rolebindings.rbac.authorization.k8s.io "eve-admin" is forbidden: user "eve" (groups=["system:authenticated"]) is attempting to grant RBAC permissions not currently held:`);
    // Binding what she holds herself is allowed.
    const ok = await kubectl(['create', 'rolebinding', 'eve-binder-too', '--role=binder', '--user=frank', '-n', space], { kubeconfig: eve });
    assert.equal(ok.code, 0, ok.stderr);
  });

  it('ResourceQuota and LimitRange refuse, with upstream messages', async () => {
    const space = ns('limits');
    await namespace(space);
    await apply({ apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'q', namespace: space }, spec: { hard: { pods: '1' } } });
    await apply({ apiVersion: 'v1', kind: 'LimitRange', metadata: { name: 'lr', namespace: space }, spec: { limits: [{ type: 'Container', max: { cpu: '1' }, default: { cpu: '500m' } }] } });
    const pod = (name: string, cpu?: string) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: space }, spec: { containers: [{ name: 'c', image: 'busybox', ...(cpu ? { resources: { limits: { cpu } } } : {}) }] } });
    forbidden(await apply(pod('big', '2')), `pods "big" is forbidden: maximum cpu usage per Container is 1, but limit is 2`);
    const one = await apply(pod('one'));
    assert.equal(one.code, 0, one.stderr);
    assert.equal((await admin(['get', 'pod', 'one', '-n', space, '-o', 'jsonpath={.spec.containers[0].resources.limits.cpu}'])), '500m');
    forbidden(await apply(pod('two')), `pods "two" is forbidden: exceeded quota: q, requested: pods=1, used: pods=1, limited: pods=1`);
  });

  it('PodSecurity restricted refuses a privileged pod once the namespace is labelled', async () => {
    const space = ns('psa');
    await namespace(space);
    await admin(['label', 'namespace', space, 'pod-security.kubernetes.io/enforce=restricted']);
    const r = await apply({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'priv', namespace: space }, spec: { containers: [{ name: 'c', image: 'busybox', securityContext: { privileged: true } }] } });
    forbidden(r, `pods "priv" is forbidden: violates PodSecurity "restricted:latest": privileged (container "c" must not set securityContext.privileged=true)`);
  });

  it('a validating webhook denies and a mutating webhook mutates', async () => {
    const space = ns('hooks');
    await namespace(space, { 'k8ts-e2e-hooks': run });
    const ca = await createCA(`hooks-${run}`);
    const cert = await issueCertificate(ca, { commonName: 'hooks', ipAddresses: ['127.0.0.1'], server: true });
    const server: Server = createServer({ cert: cert.certPem, key: cert.keyPem }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const { request } = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        let response: Record<string, unknown> = { uid: request.uid, allowed: true };
        if (req.url?.startsWith('/validate') && request.object?.data?.forbidden !== undefined) response = { uid: request.uid, allowed: false, status: { code: 403, message: 'no key may be called "forbidden"' } };
        if (req.url?.startsWith('/mutate')) {
          const labels = request.object?.metadata?.labels;
          const patch = labels ? [{ op: 'add', path: '/metadata/labels/mutated', value: 'yes' }] : [{ op: 'add', path: '/metadata/labels', value: { mutated: 'yes' } }];
          response = { ...response, patchType: 'JSONPatch', patch: Buffer.from(JSON.stringify(patch)).toString('base64') };
        }
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const hook = (kind: string, pathName: string) => ({
        apiVersion: 'admissionregistration.k8s.io/v1', kind, metadata: { name: `e2e-${pathName}-${run}` },
        webhooks: [{
          name: `${pathName}.e2e.k8ts.test`, clientConfig: { url: `${base}/${pathName}`, caBundle: Buffer.from(ca.certPem).toString('base64') },
          rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['configmaps'] }],
          namespaceSelector: { matchLabels: { 'k8ts-e2e-hooks': run } }, sideEffects: 'None', admissionReviewVersions: ['v1'], failurePolicy: 'Fail',
        }],
      });
      created.cluster.push(`validatingwebhookconfiguration/e2e-validate-${run}`, `mutatingwebhookconfiguration/e2e-mutate-${run}`);
      await admin(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [hook('ValidatingWebhookConfiguration', 'validate'), hook('MutatingWebhookConfiguration', 'mutate')] }));
      // The configurations reach admission through the watch cache: retry until the webhook answers.
      const denied = await eventually('the webhook to deny', async () => {
        const r = await kubectl(['create', 'configmap', `bad-${Date.now()}`, '--from-literal=forbidden=1', '-n', space]);
        return r.code !== 0 ? r : undefined;
      });
      assert.match(denied.stderr, /^error: failed to create configmap: admission webhook "validate.e2e.k8ts.test" denied the request: no key may be called "forbidden"/);
      await admin(['create', 'configmap', 'good', '--from-literal=fine=1', '-n', space]);
      assert.equal(await admin(['get', 'configmap', 'good', '-n', space, '-o', 'jsonpath={.metadata.labels.mutated}']), 'yes');
    } finally {
      await kubectl(['delete', 'validatingwebhookconfiguration', `e2e-validate-${run}`, 'mutatingwebhookconfiguration', `e2e-mutate-${run}`, '--ignore-not-found']);
      server.close();
    }
  });

  it('a ValidatingAdmissionPolicy denies', async () => {
    const space = ns('vap');
    await namespace(space, { 'k8ts-e2e-vap': run });
    const policy = `max-replicas-${run}`;
    created.cluster.push(`validatingadmissionpolicybinding/${policy}`, `validatingadmissionpolicy/${policy}`);
    await admin(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [
      { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicy', metadata: { name: policy }, spec: {
        failurePolicy: 'Fail',
        matchConstraints: { resourceRules: [{ apiGroups: ['apps'], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['deployments'] }] },
        validations: [{ expression: 'object.spec.replicas <= 5', messageExpression: '"replicas must be no greater than 5, got " + string(object.spec.replicas)' }],
      } },
      { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicyBinding', metadata: { name: policy }, spec: {
        policyName: policy, validationActions: ['Deny'], matchResources: { namespaceSelector: { matchLabels: { 'k8ts-e2e-vap': run } } },
      } },
    ] }));
    const listed = await admin(['get', 'validatingadmissionpolicies', policy, '-o', 'jsonpath={.spec.validations[0].expression}']);
    assert.equal(listed, 'object.spec.replicas <= 5');
    const denied = await eventually('the policy to deny', async () => {
      const r = await kubectl(['create', 'deployment', `big-${Date.now()}`, '--image=nginx', '--replicas=6', '-n', space]);
      return r.code !== 0 ? r : undefined;
    });
    assert.match(denied.stderr, new RegExp(`^error: failed to create deployment: deployments.apps "big-\\d+" is forbidden: ValidatingAdmissionPolicy '${policy}' with binding '${policy}' denied request: replicas must be no greater than 5, got 6`));
    // The refusal is reason Invalid with the message as its one cause, which kubectl apply prints as
    // upstream's documentation shows it ("is invalid: : ValidatingAdmissionPolicy ...").
    const applied = await apply({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'big-apply', namespace: space }, spec: { replicas: 7, selector: { matchLabels: { app: 'x' } }, template: { metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } } });
    forbidden(applied, `The deployments "big-apply" is invalid: : ValidatingAdmissionPolicy '${policy}' with binding '${policy}' denied request: replicas must be no greater than 5, got 7`);
    await admin(['create', 'deployment', 'small', '--image=nginx', '--replicas=2', '-n', space]);
  });

  it('on a private server: Secrets are encrypted at rest and every request leaves one audit line', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'k8ts-security-private-'));
    const encryption = path.join(dir, 'encryption.yaml');
    const auditLog = path.join(dir, 'audit.log');
    writeFileSync(encryption, [
      'apiVersion: apiserver.config.k8s.io/v1',
      'kind: EncryptionConfiguration',
      'resources:',
      '  - resources: [secrets]',
      '    providers:',
      '      - aescbc:',
      '          keys:',
      `            - name: key1`,
      `              secret: ${randomBytes(32).toString('base64')}`,
      '      - identity: {}',
      '',
    ].join('\n'));
    const priv = await startCluster({ reuseShared: false, extraArgs: ['--encryption-provider-config', encryption, '--audit-log-path', auditLog] });
    try {
      const plaintext = `s3cr3t-${run}-plaintext`;
      await priv.kubectl(['create', 'secret', 'generic', 'enc', `--from-literal=password=${plaintext}`]);
      const clear = `clear-${run}-configmap`;
      await priv.kubectl(['create', 'configmap', 'clear', `--from-literal=note=${clear}`]);
      assert.equal(Buffer.from((await priv.kubectl(['get', 'secret', 'enc', '-o', 'jsonpath={.data.password}'])).stdout, 'base64').toString(), plaintext);
      const raw = ['state.db', 'state.db-wal'].map((f) => path.join(priv.dataDir, 'db', f)).filter(existsSync).map((f) => readFileSync(f));
      const all = Buffer.concat(raw);
      // The ConfigMap, stored in the clear, proves these are the right files.
      assert.ok(all.includes(clear), 'the ConfigMap value is in the store files');
      assert.ok(!all.includes(plaintext) && !all.includes(Buffer.from(plaintext).toString('base64')), 'the Secret value is not in the store files');
      assert.ok(all.includes('k8s:enc:aescbc:v1:key1:'), 'the Secret is stored with the aescbc envelope');

      const probes = [0, 1, 2].map((i) => `audit-probe-${run}-${i}`);
      for (const p of probes) await priv.kubectl(['get', 'configmap', p, '--ignore-not-found']);
      const lines = await eventually('the audit lines', async () => {
        const text = existsSync(auditLog) ? readFileSync(auditLog, 'utf8') : '';
        const found = text.split('\n').filter(Boolean).map((l) => JSON.parse(l)).filter((e) => probes.some((p) => e.requestURI?.includes(`/configmaps/${p}`)));
        return found.length >= probes.length ? found : undefined;
      });
      assert.equal(lines.length, probes.length, 'one line per request');
      for (const e of lines) {
        assert.equal(e.kind, 'Event');
        assert.equal(e.verb, 'get');
        assert.equal(e.user.username, 'admin');
        assert.equal(e.objectRef.resource, 'configmaps');
        assert.equal(e.responseStatus.code, 404);
        assert.equal(e.stage, 'ResponseComplete');
      }
    } finally {
      await priv.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
