// ValidatingAdmissionPolicy (admissionregistration.k8s.io/v1): CEL policies bound to requests by
// ValidatingAdmissionPolicyBindings, evaluated in the validating admission phase.
export { ValidatingAdmissionPolicyPlugin, builtinKindResolver, denial, type KindResolver, type ParamResource } from './plugin.js';
export { evaluatePolicy, type PolicySpec, type PolicyFailure, type PolicyOutcome, type Validation } from './evaluate.js';
export { matchResources, type MatchResources, type NamedRuleWithOperations } from './matching.js';
export { compile, toCel, type CelActivation } from './cel.js';
