// ValidatingAdmissionPolicy admission (validating): for every ValidatingAdmissionPolicyBinding
// whose policy selects the request, resolves the binding's params (paramKind + paramRef),
// evaluates the policy's CEL (evaluate.ts) and applies the binding's validationActions: Deny
// refuses with the validation's reason, Warn adds a Warning header, Audit an audit annotation.
// It reads policies, bindings, params and namespaces through the ObjectLookup; it writes nothing.
import { StatusError } from '../../../api/errors.js';
import type { KubeObject } from '../../../api/object.js';
import { builtinResources } from '../../../api/registry/builtin.js';
import { selectorFromSpec } from '../../../api/selectors/label-selector.js';
import type { AdmissionPlugin } from '../../types.js';
import { admissionForbidden, type AdmissionRequest } from '../attributes.js';
import type { ObjectLookup } from '../lookup.js';
import { exemptFromWebhooks } from '../webhook/matching.js';
import { toCel, type CelActivation } from './cel.js';
import { evaluatePolicy, type PolicyFailure, type PolicySpec } from './evaluate.js';
import { matchResources, needsNamespaceLabels, type MatchResources } from './matching.js';

const GROUP = 'admissionregistration.k8s.io';
const AUDIT_KEY = 'validation.policy.admission.k8s.io/validation_failure';

interface ParamRef {
  name?: string;
  namespace?: string;
  selector?: import('../../../api/selectors/label-selector.js').LabelSelectorSpec;
  parameterNotFoundAction?: 'Allow' | 'Deny';
}

interface BindingSpec {
  policyName?: string;
  paramRef?: ParamRef;
  matchResources?: MatchResources;
  validationActions?: ('Deny' | 'Warn' | 'Audit')[];
}

export interface ParamResource {
  group: string;
  plural: string;
  namespaced: boolean;
}

/** apiVersion + kind → the resource that serves it; undefined when the API has no such kind. */
export type KindResolver = (apiVersion: string, kind: string) => ParamResource | undefined;

export function builtinKindResolver(apiVersion: string, kind: string): ParamResource | undefined {
  const slash = apiVersion.indexOf('/');
  const group = slash < 0 ? '' : apiVersion.slice(0, slash);
  const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
  const info = builtinResources.find((r) => r.group === group && r.version === version && r.kind === kind);
  return info && { group, plural: info.plural, namespaced: info.namespaced };
}

const REASON_CODES: Record<string, number> = { Unauthorized: 401, Forbidden: 403, Invalid: 422, RequestEntityTooLarge: 413 };

/** Upstream's refusal: admission.NewForbidden's text with the validation's reason and its code. */
export function denial(a: AdmissionRequest, policy: string, binding: string, failure: PolicyFailure): StatusError {
  const message = `ValidatingAdmissionPolicy '${policy}' with binding '${binding}' denied request: ${failure.message}`;
  const base = admissionForbidden(a, message);
  const details = { ...base.details, causes: [{ message }] } as StatusError['details'];
  return new StatusError(REASON_CODES[failure.reason] ?? 422, failure.reason, base.message, details);
}

export class ValidatingAdmissionPolicyPlugin implements AdmissionPlugin {
  readonly name = 'ValidatingAdmissionPolicy';
  constructor(
    private readonly lookup: ObjectLookup,
    private readonly resolveKind: KindResolver = builtinKindResolver,
  ) {}

  async validate(a: AdmissionRequest): Promise<void> {
    // Policies do not apply to their own configuration objects, so a bad one can always be fixed.
    if (exemptFromWebhooks(a)) return;
    const bindings = await this.lookup.list(GROUP, 'validatingadmissionpolicybindings', '');
    if (!bindings.length) return;
    const policies = new Map((await this.lookup.list(GROUP, 'validatingadmissionpolicies', '')).map((p) => [p.metadata.name, p]));
    bindings.sort((x, y) => (x.metadata.name! < y.metadata.name! ? -1 : x.metadata.name! > y.metadata.name! ? 1 : 0));
    let namespaceObject: KubeObject | null | undefined;
    const namespaceOf = async () => {
      if (namespaceObject === undefined) namespaceObject = a.namespace ? ((await this.lookup.get('', 'namespaces', '', a.namespace)) ?? null) : null;
      return namespaceObject;
    };
    // Converted to CEL values once per request, and only when some binding matches.
    let base: Omit<CelActivation, 'params' | 'variables'> | undefined;
    for (const binding of bindings) {
      const bspec = ((binding as any).spec ?? {}) as BindingSpec;
      const policy = bspec.policyName ? policies.get(bspec.policyName) : undefined;
      if (!policy) continue;
      const spec = ((policy as any).spec ?? {}) as PolicySpec;
      if (!spec.matchConstraints) continue;
      const labels = needsNamespaceLabels(spec.matchConstraints) || needsNamespaceLabels(bspec.matchResources) ? (await namespaceOf())?.metadata.labels : undefined;
      if (!matchResources(spec.matchConstraints, a, labels) || !matchResources(bspec.matchResources, a, labels)) continue;
      base ??= { object: toCel(a.operation === 'DELETE' ? null : a.object ?? null), oldObject: toCel(a.oldObject ?? null), request: toCel(requestOf(a)), namespaceObject: toCel(await namespaceOf()) };
      const params = await this.params(spec, bspec, a);
      const failures: PolicyFailure[] = [];
      if (typeof params === 'string') {
        if (spec.failurePolicy !== 'Ignore') failures.push({ message: params, reason: 'Invalid' });
      } else {
        for (const p of params) {
          const activation: CelActivation = { ...base, params: toCel(p), variables: {} };
          const outcome = evaluatePolicy(spec, activation);
          if (!outcome.matched) continue;
          failures.push(...outcome.failures);
          for (const [k, v] of Object.entries(outcome.auditAnnotations)) if (a.auditAnnotations) a.auditAnnotations[`${policy.metadata.name}/${k}`] = v;
        }
      }
      if (failures.length) this.act(a, policy.metadata.name!, binding.metadata.name!, bspec.validationActions ?? [], failures);
    }
  }

  private act(a: AdmissionRequest, policy: string, binding: string, actions: readonly string[], failures: PolicyFailure[]): void {
    if (actions.includes('Warn')) {
      for (const f of failures) a.warnings?.push(`Validation failed for ValidatingAdmissionPolicy '${policy}' with binding '${binding}': ${f.message}`);
    }
    if (actions.includes('Audit') && a.auditAnnotations) {
      const prior = a.auditAnnotations[AUDIT_KEY] ? (JSON.parse(a.auditAnnotations[AUDIT_KEY]) as unknown[]) : [];
      for (const f of failures) prior.push({ message: f.message, policy, binding, expressionIndex: f.expressionIndex ?? 0, validationActions: actions });
      a.auditAnnotations[AUDIT_KEY] = JSON.stringify(prior);
    }
    if (actions.includes('Deny')) throw denial(a, policy, binding, failures[0]!);
  }

  /** The param objects to evaluate with ([null] without paramKind), or a misconfiguration's message. */
  private async params(spec: PolicySpec, b: BindingSpec, a: AdmissionRequest): Promise<(KubeObject | null)[] | string> {
    if (!spec.paramKind) return [null];
    const ref = b.paramRef;
    if (!ref) return 'policy has a paramKind but its binding has no paramRef';
    const res = this.resolveKind(spec.paramKind.apiVersion ?? '', spec.paramKind.kind ?? '');
    if (!res) return `failed to find resource referenced by paramKind: '${spec.paramKind.apiVersion}, Kind=${spec.paramKind.kind}'`;
    let namespace = '';
    if (res.namespaced) {
      namespace = ref.namespace || a.namespace;
      if (!namespace) return 'cannot use namespaced paramRef in policy binding that matches cluster-scoped resources';
    }
    let found: KubeObject[];
    if (ref.name) {
      const obj = await this.lookup.get(res.group, res.plural, namespace, ref.name);
      found = obj ? [obj] : [];
    } else {
      const select = selectorFromSpec(ref.selector ?? {});
      found = (await this.lookup.list(res.group, res.plural, namespace)).filter((o) => select(o.metadata.labels));
    }
    if (found.length) return found;
    return ref.parameterNotFoundAction === 'Deny' ? 'no params found for policy binding with `Deny` parameterNotFoundAction' : [];
  }
}

/** The CEL `request` variable: upstream's AdmissionRequest without object and oldObject. */
function requestOf(a: AdmissionRequest): Record<string, unknown> {
  const kind = { group: a.info.group, version: a.info.version, kind: a.info.kind };
  const resource = { group: a.info.group, version: a.info.version, resource: a.info.plural };
  return {
    kind,
    resource,
    subResource: a.subresource,
    requestKind: kind,
    requestResource: resource,
    requestSubResource: a.subresource,
    name: a.name || a.object?.metadata.name || '',
    namespace: a.namespace,
    operation: a.operation,
    userInfo: { username: a.user.username, uid: a.user.uid ?? '', groups: a.user.groups, extra: a.user.extra ?? {} },
    dryRun: a.dryRun,
  };
}
