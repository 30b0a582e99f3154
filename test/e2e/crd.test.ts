// CustomResourceDefinitions with the real kubectl: served at once (discovery, OpenAPI, short
// names, printer columns), validated against their schema, status and scale subresources, and
// their objects removed with the definition.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { useCluster, type Cluster } from '../support/cluster.js';

let cluster: Cluster;

const crd = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'crontabs.stable.example.com' },
  spec: {
    group: 'stable.example.com',
    scope: 'Namespaced',
    names: { plural: 'crontabs', singular: 'crontab', kind: 'CronTab', shortNames: ['ct'] },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        subresources: { status: {}, scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas' } },
        additionalPrinterColumns: [
          { name: 'Spec', type: 'string', jsonPath: '.spec.cronSpec' },
          { name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas' },
        ],
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              spec: {
                type: 'object',
                required: ['cronSpec'],
                properties: { cronSpec: { type: 'string', pattern: '^(\\S+ ){4}\\S+$' }, image: { type: 'string' }, replicas: { type: 'integer', minimum: 0 } },
              },
              status: { type: 'object', properties: { replicas: { type: 'integer' } } },
            },
          },
        },
      },
    ],
  },
};

const ns = 'e2e-crd';

before(async () => {
  cluster = await useCluster();
  await cluster.kubectl(['create', 'namespace', ns]);
});

after(async () => {
  await cluster?.kubectl(['delete', 'crd', 'crontabs.stable.example.com', '--ignore-not-found', '--timeout=60s'], { allowFail: true });
  await cluster?.kubectl(['delete', 'namespace', ns, '--timeout=60s'], { allowFail: true });
  await cluster?.stop();
});

test('a CRD is served at once and its objects follow its schema', async () => {
  await cluster.kubectl(['apply', '-f', '-'], { input: JSON.stringify(crd) });
  await cluster.kubectl(['wait', '--for=condition=Established', 'crd/crontabs.stable.example.com', '--timeout=30s']);

  const resources = await cluster.kubectl(['api-resources', '--api-group=stable.example.com']);
  assert.match(resources.stdout, /crontabs\s+ct\s+stable\.example\.com\/v1\s+true\s+CronTab/);
  const explain = await cluster.kubectl(['explain', 'crontab.spec']);
  assert.match(explain.stdout, /cronSpec/);

  const ct = { apiVersion: 'stable.example.com/v1', kind: 'CronTab', metadata: { name: 'my-cron' }, spec: { cronSpec: '* * * * */5', image: 'my-image', replicas: 1 } };
  await cluster.kubectl(['apply', '-n', ns, '-f', '-'], { input: JSON.stringify(ct) });
  const table = await cluster.kubectl(['get', 'ct', '-n', ns]);
  assert.match(table.stdout, /^NAME\s+SPEC\s+REPLICAS/m);
  assert.match(table.stdout, /^my-cron\s+\* \* \* \* \*\/5\s+1/m);

  // Schema validation: a missing required field and a pattern mismatch are 422s naming the fields.
  const bad = { ...ct, metadata: { name: 'bad' }, spec: { cronSpec: 'nope', replicas: -1 } };
  const r = await cluster.kubectl(['apply', '-n', ns, '-f', '-'], { input: JSON.stringify(bad), allowFail: true });
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /is invalid/);
  assert.match(r.stderr, /spec\.cronSpec/);
  assert.match(r.stderr, /spec\.replicas/);

  // The scale subresource drives spec.replicas; status is written separately.
  await cluster.kubectl(['scale', '-n', ns, 'ct/my-cron', '--replicas=3']);
  const scaled = JSON.parse((await cluster.kubectl(['get', '-n', ns, 'ct/my-cron', '-o', 'json'])).stdout);
  assert.equal(scaled.spec.replicas, 3);
  await cluster.kubectl(['patch', '-n', ns, 'ct/my-cron', '--subresource=status', '--type=merge', '-p', '{"status":{"replicas":3}}']);
  await cluster.kubectl(['patch', '-n', ns, 'ct/my-cron', '--type=merge', '-p', '{"status":{"replicas":99}}']);
  const withStatus = JSON.parse((await cluster.kubectl(['get', '-n', ns, 'ct/my-cron', '-o', 'json'])).stdout);
  assert.equal(withStatus.status.replicas, 3, 'a main-resource patch does not change status');

  // Deleting the definition deletes its objects.
  await cluster.kubectl(['delete', 'crd', 'crontabs.stable.example.com', '--timeout=60s']);
  const gone = await cluster.kubectl(['get', 'crontabs.stable.example.com', '-n', ns], { allowFail: true });
  assert.notEqual(gone.code, 0);
  await cluster.kubectl(['apply', '-f', '-'], { input: JSON.stringify(crd) });
  await cluster.kubectl(['wait', '--for=condition=Established', 'crd/crontabs.stable.example.com', '--timeout=30s']);
  const empty = await cluster.kubectl(['get', 'crontabs', '-n', ns, '-o', 'json']);
  assert.equal(JSON.parse(empty.stdout).items.length, 0, 'objects of a deleted CRD do not come back with it');
});
