// ValidatingAdmissionPolicy: CEL validations, params, match rules and validation actions as a
// client sees them (errors, warnings, audit annotations).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../src/api/object.js';
import { StatusError } from '../../src/api/errors.js';
import { builtinResources } from '../../src/api/registry/builtin.js';
import { staticLookup } from '../../src/auth/admission/lookup.js';
import type { AdmissionRequest } from '../../src/auth/admission/attributes.js';
import { ValidatingAdmissionPolicyPlugin, compile } from '../../src/auth/admission/validating-admission-policy/index.js';

const deployments = builtinResources.find((r) => r.group === 'apps' && r.plural === 'deployments')!;
const AR = 'admissionregistration.k8s.io/v1';

function deployment(name: string, replicas: number, labels: Record<string, string> = {}): KubeObject {
  return { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: 'team', labels }, spec: { replicas, template: { spec: { containers: [{ name: 'c', image: 'nginx:latest' }] } } } } as KubeObject;
}

function request(op: 'CREATE' | 'UPDATE' | 'DELETE', obj: KubeObject, old?: KubeObject): AdmissionRequest {
  return { operation: op, info: deployments, subresource: '', namespace: 'team', name: obj.metadata.name!, object: op === 'DELETE' ? undefined : obj, oldObject: old, user: { username: 'sky', groups: ['devs', 'system:authenticated'] }, dryRun: false, warnings: [], auditAnnotations: {} };
}

const matchDeployments = { resourceRules: [{ apiGroups: ['apps'], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['deployments'] }] };

function policy(name: string, spec: Record<string, unknown>): KubeObject {
  return { apiVersion: AR, kind: 'ValidatingAdmissionPolicy', metadata: { name }, spec: { matchConstraints: matchDeployments, ...spec } } as KubeObject;
}

function binding(name: string, policyName: string, spec: Record<string, unknown> = {}): KubeObject {
  return { apiVersion: AR, kind: 'ValidatingAdmissionPolicyBinding', metadata: { name }, spec: { policyName, validationActions: ['Deny'], ...spec } } as KubeObject;
}

function plugin(objects: { policies: KubeObject[]; bindings: KubeObject[]; configmaps?: KubeObject[]; namespaces?: KubeObject[] }) {
  return new ValidatingAdmissionPolicyPlugin(staticLookup({
    'admissionregistration.k8s.io/validatingadmissionpolicies': objects.policies,
    'admissionregistration.k8s.io/validatingadmissionpolicybindings': objects.bindings,
    '/configmaps': objects.configmaps ?? [],
    '/namespaces': objects.namespaces ?? [{ metadata: { name: 'team', labels: { env: 'prod' } } } as KubeObject],
  }));
}

async function refusal(p: Promise<void>): Promise<StatusError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof StatusError, String(e));
    return e;
  }
  assert.fail('the request was admitted');
}

const maxReplicas = policy('max-replicas', { validations: [{ expression: 'object.spec.replicas <= 5', message: 'replicas must be no greater than 5' }] });

describe('ValidatingAdmissionPolicy', () => {
  it('denies with upstream message, reason Invalid and code 422', async () => {
    const p = plugin({ policies: [maxReplicas], bindings: [binding('max-replicas-binding', 'max-replicas')] });
    await p.validate(request('CREATE', deployment('ok', 5)));
    const e = await refusal(p.validate(request('CREATE', deployment('big', 6))));
    assert.equal(e.code, 422);
    assert.equal(e.reason, 'Invalid');
    assert.equal(e.message, `deployments.apps "big" is forbidden: ValidatingAdmissionPolicy 'max-replicas' with binding 'max-replicas-binding' denied request: replicas must be no greater than 5`);
  });

  it('a policy with no binding, or a request outside its rules, is not evaluated', async () => {
    await plugin({ policies: [maxReplicas], bindings: [] }).validate(request('CREATE', deployment('big', 6)));
    await plugin({ policies: [maxReplicas], bindings: [binding('b', 'max-replicas')] }).validate(request('DELETE', deployment('big', 6)));
    const excluded = policy('max-replicas', { ...maxReplicas.spec as object, matchConstraints: { ...matchDeployments, excludeResourceRules: [{ apiGroups: ['apps'], apiVersions: ['*'], operations: ['*'], resources: ['deployments'], resourceNames: ['big'] }] } });
    await plugin({ policies: [excluded], bindings: [binding('b', 'max-replicas')] }).validate(request('CREATE', deployment('big', 6)));
  });

  it('messageExpression, reason and integer arithmetic on object fields', async () => {
    const pol = policy('p', { validations: [{ expression: 'object.spec.replicas + 1 <= 3', messageExpression: '"replicas " + string(object.spec.replicas) + " is too many for " + request.userInfo.username', reason: 'Forbidden' }] });
    const e = await refusal(plugin({ policies: [pol], bindings: [binding('b', 'p')] }).validate(request('CREATE', deployment('d', 3))));
    assert.equal(e.code, 403);
    assert.match(e.message, /denied request: replicas 3 is too many for sky$/);
  });

  it('params from a ConfigMap (paramRef by name, in the request namespace)', async () => {
    const pol = policy('p', { paramKind: { apiVersion: 'v1', kind: 'ConfigMap' }, validations: [{ expression: 'object.spec.replicas <= int(params.data.maxReplicas)', messageExpression: '"at most " + params.data.maxReplicas' }] });
    const limits = { metadata: { name: 'limits', namespace: 'team' }, data: { maxReplicas: '2' } } as KubeObject;
    const p = plugin({ policies: [pol], bindings: [binding('b', 'p', { paramRef: { name: 'limits', parameterNotFoundAction: 'Deny' } })], configmaps: [limits] });
    await p.validate(request('CREATE', deployment('d', 2)));
    assert.match((await refusal(p.validate(request('CREATE', deployment('d', 3))))).message, /denied request: at most 2$/);
    const missing = plugin({ policies: [pol], bindings: [binding('b', 'p', { paramRef: { name: 'nope', parameterNotFoundAction: 'Deny' } })] });
    assert.match((await refusal(missing.validate(request('CREATE', deployment('d', 1))))).message, /no params found for policy binding with `Deny` parameterNotFoundAction$/);
    await plugin({ policies: [pol], bindings: [binding('b', 'p', { paramRef: { name: 'nope', parameterNotFoundAction: 'Allow' } })] }).validate(request('CREATE', deployment('d', 9)));
  });

  it('matchConditions and variables', async () => {
    const pol = policy('p', {
      matchConditions: [{ name: 'not-exempt', expression: '!has(object.metadata.labels.exempt)' }],
      variables: [{ name: 'images', expression: 'object.spec.template.spec.containers.map(c, c.image)' }],
      validations: [{ expression: 'variables.images.all(i, !i.endsWith(":latest"))', message: 'no latest tags' }],
    });
    const p = plugin({ policies: [pol], bindings: [binding('b', 'p')] });
    assert.match((await refusal(p.validate(request('CREATE', deployment('d', 1))))).message, /no latest tags$/);
    await p.validate(request('CREATE', deployment('d', 1, { exempt: 'yes' })));
  });

  it('Warn and Audit actions admit the request and report the failure', async () => {
    const p = plugin({ policies: [maxReplicas], bindings: [binding('b', 'max-replicas', { validationActions: ['Warn', 'Audit'] })] });
    const a = request('CREATE', deployment('big', 6));
    await p.validate(a);
    assert.deepEqual(a.warnings, [`Validation failed for ValidatingAdmissionPolicy 'max-replicas' with binding 'b': replicas must be no greater than 5`]);
    assert.deepEqual(JSON.parse(a.auditAnnotations!['validation.policy.admission.k8s.io/validation_failure']!), [{ message: 'replicas must be no greater than 5', policy: 'max-replicas', binding: 'b', expressionIndex: 0, validationActions: ['Warn', 'Audit'] }]);
  });

  it('expression errors: failurePolicy Fail denies, Ignore admits', async () => {
    const validations = [{ expression: 'object.spec.nope > 1' }];
    const failing = plugin({ policies: [policy('p', { validations })], bindings: [binding('b', 'p')] });
    assert.match((await refusal(failing.validate(request('CREATE', deployment('d', 1))))).message, /denied request: expression 'object.spec.nope > 1' resulted in error: /);
    await plugin({ policies: [policy('p', { validations, failurePolicy: 'Ignore' })], bindings: [binding('b', 'p')] }).validate(request('CREATE', deployment('d', 1)));
    const bad = plugin({ policies: [policy('p', { validations: [{ expression: 'object.spec.replicas <=' }] })], bindings: [binding('b', 'p')] });
    assert.match((await refusal(bad.validate(request('CREATE', deployment('d', 1))))).message, /resulted in error: compilation failed/);
  });

  it('a binding narrows by namespaceSelector; DELETE sees oldObject only', async () => {
    const onlyDev = binding('b', 'max-replicas', { matchResources: { namespaceSelector: { matchLabels: { env: 'dev' } } } });
    await plugin({ policies: [maxReplicas], bindings: [onlyDev] }).validate(request('CREATE', deployment('big', 6)));
    const noDeleteOfBig = policy('p', {
      matchConstraints: { resourceRules: [{ apiGroups: ['apps'], apiVersions: ['v1'], operations: ['DELETE'], resources: ['deployments'] }] },
      validations: [{ expression: 'object == null && oldObject.spec.replicas < 5', message: 'scale down first' }],
    });
    const p = plugin({ policies: [noDeleteOfBig], bindings: [binding('b', 'p')] });
    await p.validate(request('DELETE', deployment('small', 1), deployment('small', 1)));
    assert.match((await refusal(p.validate(request('DELETE', deployment('big', 6), deployment('big', 6))))).message, /scale down first$/);
  });

  it('compiles each distinct expression once', () => {
    assert.equal(compile('1 + 1 == 2'), compile('1 + 1 == 2'));
  });
});
