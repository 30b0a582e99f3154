// End to end with the real kubectl: a throw-away HTTPS server answers /version, legacy discovery
// for core v1, 404 on /openapi/v3 (forcing the v2 path) and our gnostic /openapi/v2 protobuf.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SchemaRegistry, customSchemaName } from '../../src/api/schema/registry.js';
import type { SchemaNode } from '../../src/api/schema/types.js';
import type { ResourceInfo } from '../../src/api/registry/types.js';
import { builtinResources } from '../../src/api/registry/builtin.js';
import { buildOpenAPIv2, openAPIv2Protobuf } from '../../src/api/schema/openapi-v2.js';
import { encodeGnosticDocument } from '../../src/api/schema/gnostic-encode.js';

const KUBECTL = '/usr/bin/kubectl';
/** What kubectl asks for; the reply must not echo it, since Go's mime parser rejects the "@". */
const MIME_PB = 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf';
const CONTENT_TYPE_PB = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';

const reg = SchemaRegistry.builtin();

// A CRD whose schema uses what Swagger 2.0 cannot say: kubectl parses every definition, so one
// badly converted node would break explain for all kinds.
const CRONTAB_SCHEMA: SchemaNode = {
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      required: ['cronSpec', 'note'],
      properties: {
        cronSpec: { type: 'string', description: 'when to run' },
        note: { type: 'string', nullable: true },
        port: { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] },
        extra: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
        loose: { type: 'array', items: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
        labels: { type: 'object', additionalProperties: { type: 'string' } },
        choice: { type: 'object', oneOf: [{ required: ['a'] }, { required: ['b'] }], properties: { a: { type: 'string' }, b: { type: 'integer' } } },
        replicas: { type: 'integer', minimum: 0, maximum: 10, default: 1 },
      },
    },
    status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
  },
};
reg.addCustom(customSchemaName('stable.example.com', 'v1', 'CronTab'), CRONTAB_SCHEMA, { group: 'stable.example.com', version: 'v1', kind: 'CronTab' }, { listKind: 'CronTabList' });
const crontabs: ResourceInfo = {
  group: 'stable.example.com', version: 'v1', kind: 'CronTab', listKind: 'CronTabList', plural: 'crontabs', singular: 'crontab',
  shortNames: ['ct'], categories: [], namespaced: true, verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
  subresources: [], schemaName: customSchemaName('stable.example.com', 'v1', 'CronTab'),
};
const resources = [...builtinResources, crontabs];

function apiResourceList(group: string, version: string): object {
  const list = resources
    .filter((r) => r.group === group && r.version === version)
    .map((r) => ({ name: r.plural, singularName: r.singular, namespaced: r.namespaced, kind: r.kind, verbs: r.verbs, shortNames: r.shortNames }));
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group ? `${group}/${version}` : version, resources: list };
}

const CRONTAB_GROUP = { name: 'stable.example.com', versions: [{ groupVersion: 'stable.example.com/v1', version: 'v1' }], preferredVersion: { groupVersion: 'stable.example.com/v1', version: 'v1' } };

interface Fixture {
  dir: string;
  requests: string[];
  kubectl(args: string[]): Promise<{ code: number; stdout: string; stderr: string }>;
}

async function withServer(openapiV2: () => Buffer, body: (f: Fixture) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'k8ts-openapiv2-'));
  const requests: string[] = [];
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    const server = createServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      requests.push(`${req.method} ${req.url} ${req.headers.accept ?? ''}`);
      const json = (code: number, obj: unknown) => {
        res.writeHead(code, { 'content-type': 'application/json' });
        res.end(JSON.stringify(obj));
      };
      req.resume();
      if (path === '/version') return json(200, { major: '1', minor: '32', gitVersion: 'v1.32.4', platform: 'linux/amd64' });
      if (path === '/api') return json(200, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] });
      if (path === '/apis') return json(200, { kind: 'APIGroupList', apiVersion: 'v1', groups: [CRONTAB_GROUP] });
      if (path === '/api/v1') return json(200, apiResourceList('', 'v1'));
      if (path === '/apis/stable.example.com/v1') return json(200, apiResourceList('stable.example.com', 'v1'));
      if (path === '/openapi/v2') {
        const bytes = openapiV2();
        res.writeHead(200, { 'content-type': CONTENT_TYPE_PB, 'content-length': bytes.length });
        return res.end(bytes);
      }
      json(404, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'not found', reason: 'NotFound', code: 404 });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(
      kubeconfig,
      `apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: https://127.0.0.1:${port}\n    insecure-skip-tls-verify: true\nusers:\n- name: u\n  user:\n    token: t\ncontexts:\n- name: c\n  context:\n    cluster: c\n    user: u\n    namespace: default\ncurrent-context: c\n`,
    );
    const kubectl = (args: string[]) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        execFile(KUBECTL, [...args, '--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache')], { encoding: 'utf8', env: { ...process.env, HOME: dir, KUBECONFIG: kubeconfig }, timeout: 60_000 }, (err, stdout, stderr) =>
          resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
        );
      });
    try {
      await body({ dir, requests, kubectl });
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('kubectl explain --output=plaintext-openapiv2 reads the gnostic document', { skip: !existsSync(KUBECTL) }, async () => {
  await withServer(
    () => openAPIv2Protobuf(reg, resources),
    async ({ requests, kubectl }) => {
      const containers = await kubectl(['explain', 'pods.spec.containers', '--output=plaintext-openapiv2']);
      assert.equal(containers.code, 0, containers.stderr);
      assert.match(containers.stdout, /KIND:\s+Pod/);
      assert.match(containers.stdout, /VERSION:\s+v1/);
      assert.match(containers.stdout, /RESOURCE:\s+containers <\[\]Object>/);
      // The v2 printer names nested kinds <Object>, unlike the v3 templates.
      for (const field of ['name\t<string> -required-', 'image\t<string>', 'env\t<[]Object>', 'ports\t<[]Object>', 'resources\t<Object>']) {
        assert.ok(containers.stdout.includes(field), `missing ${JSON.stringify(field)} in:\n${containers.stdout}`);
      }
      assert.ok(requests.some((r) => r.startsWith('GET /openapi/v2') && r.includes(MIME_PB)), requests.join('\n'));

      // Quantity values print as strings.
      const limits = await kubectl(['explain', 'pods.spec.containers.resources.limits', '--output=plaintext-openapiv2']);
      assert.equal(limits.code, 0, limits.stderr);
      assert.match(limits.stdout, /FIELD:\s+limits <map\[string\]string>/);

      const recursive = await kubectl(['explain', 'pods', '--recursive', '--output=plaintext-openapiv2']);
      assert.equal(recursive.code, 0, recursive.stderr);
      assert.match(recursive.stdout, /terminationGracePeriodSeconds\t<integer>/);

      const crontab = await kubectl(['explain', 'crontabs.spec', '--output=plaintext-openapiv2']);
      assert.equal(crontab.code, 0, crontab.stderr);
      for (const field of ['cronSpec\t<string> -required-', 'note\t<>', 'port\t<>', 'extra\t<map[string]>', 'loose\t<[]map[string]>', 'labels\t<map[string]string>', 'choice\t<Object>', 'replicas\t<integer>']) {
        assert.ok(crontab.stdout.includes(field), `missing ${JSON.stringify(field)} in:\n${crontab.stdout}`);
      }
      assert.ok(!crontab.stdout.includes('note\t<> -required-'), 'nullable fields are not required in v2');
    },
  );
});

const BAD_POD = 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: c\n    image: nginx\n    bogus: 1\n';

test('kubectl finds fieldValidation on the v2 PATCH operation and leaves validation to the server', { skip: !existsSync(KUBECTL) }, async () => {
  await withServer(
    () => openAPIv2Protobuf(reg, resources),
    async ({ dir, requests, kubectl }) => {
      writeFileSync(join(dir, 'pod.yaml'), BAD_POD);
      const r = await kubectl(['create', '-f', join(dir, 'pod.yaml'), '--validate=strict', '--dry-run=client', '-o', 'name']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.trim(), 'pod/p');
      assert.ok(requests.some((x) => x.startsWith('GET /openapi/v2')), requests.join('\n'));
    },
  );
});

test("kubectl's client-side v2 validation reads the definitions when PATCH lacks fieldValidation", { skip: !existsSync(KUBECTL) }, async () => {
  // Without the parameter kubectl falls back to validating against the v2 definitions itself.
  const doc = buildOpenAPIv2(reg, resources) as { paths: Record<string, { patch?: { parameters: { name?: string }[] } }> };
  for (const item of Object.values(doc.paths)) if (item.patch) item.patch.parameters = item.patch.parameters.filter((p) => p.name !== 'fieldValidation');
  const bytes = encodeGnosticDocument(doc);
  await withServer(
    () => bytes,
    async ({ dir, kubectl }) => {
      writeFileSync(join(dir, 'bad.yaml'), BAD_POD);
      const bad = await kubectl(['create', '-f', join(dir, 'bad.yaml'), '--validate=strict', '--dry-run=client', '-o', 'name']);
      assert.notEqual(bad.code, 0, bad.stdout);
      assert.match(bad.stderr, /ValidationError\(Pod\.spec\.containers\[0\]\): unknown field "bogus" in io\.k8s\.api\.core\.v1\.Container/);
      writeFileSync(join(dir, 'good.yaml'), BAD_POD.replace('    bogus: 1\n', '    ports:\n    - containerPort: 80\n    resources:\n      limits:\n        cpu: 1\n        memory: 64Mi\n    livenessProbe:\n      httpGet:\n        port: 80\n'));
      // Integers where the v2 definitions say int-or-string or quantity (type string) are accepted.
      const good = await kubectl(['create', '-f', join(dir, 'good.yaml'), '--validate=strict', '--dry-run=client', '-o', 'name']);
      assert.equal(good.code, 0, good.stderr);
    },
  );
});
