// The admission chain: the built-in plugins in upstream's order, mutating phase then validating
// phase. It owns plugin ordering only; each plugin owns its rules. It never reads or writes
// storage itself (plugins read through the ObjectLookup they are given) and is not aware of
// HTTP. NamespaceLifecycle stays in the API server (checkNamespace).
import type { AdmissionPlugin } from '../types.js';
import type { AdmissionRequest } from './attributes.js';
import { DefaultStorageClass } from './default-storage-class.js';
import { DefaultIngressClass } from './default-ingress-class.js';
import { DefaultTolerationSeconds } from './default-toleration-seconds.js';
import { LimitRanger } from './limit-ranger.js';
import type { ObjectLookup } from './lookup.js';
import { NodeRestriction } from './node-restriction.js';
import { PodSecurity, type PodSecurityDefaults } from './pod-security/pod-security.js';
import { ResourceQuotaAdmission } from './resource-quota.js';
import { ServiceAccountAdmission } from './service-account.js';
import { StorageObjectInUseProtection } from './storage-object-in-use-protection.js';
import { PersistentVolumeClaimResize } from './persistent-volume-claim-resize.js';
import type { ServiceResolver } from './webhook/caller.js';
import { MutatingAdmissionWebhook, ValidatingAdmissionWebhook } from './webhook/dispatcher.js';
import type { Webhook } from './webhook/matching.js';
import { ValidatingAdmissionPolicyPlugin, type KindResolver } from './validating-admission-policy/index.js';

export interface AdmissionChainDeps {
  lookup: ObjectLookup;
  podSecurity?: PodSecurityDefaults;
  /** Refuse pods while their namespace's "default" ServiceAccount is missing (upstream); default false. */
  strictDefaultServiceAccount?: boolean;
  resolveService?: ServiceResolver;
  onWebhookIgnoredFailure?(hook: Webhook, err: Error): void;
  /** paramKind → resource for ValidatingAdmissionPolicy params (default: the built-in resources). */
  resolveKind?: KindResolver;
  /** Plugin names to leave out (upstream --disable-admission-plugins). */
  disable?: string[];
}

export interface AdmissionChain {
  plugins: readonly AdmissionPlugin[];
  /** Mutating phase: may change a.object. */
  admit(a: AdmissionRequest): Promise<void>;
  /** Validating phase: must not change anything. */
  validate(a: AdmissionRequest): Promise<void>;
}

/** The built-in plugins in upstream's recommended order. */
export function defaultPlugins(deps: AdmissionChainDeps): AdmissionPlugin[] {
  const { lookup } = deps;
  const hooks = { lookup, resolveService: deps.resolveService, onIgnoredFailure: deps.onWebhookIgnoredFailure };
  return [
    new LimitRanger(lookup),
    new ServiceAccountAdmission(lookup, { strictDefault: deps.strictDefaultServiceAccount }),
    new NodeRestriction(lookup),
    new PodSecurity(lookup, deps.podSecurity),
    new DefaultTolerationSeconds(),
    new DefaultStorageClass(lookup),
    new StorageObjectInUseProtection(),
    new PersistentVolumeClaimResize(lookup),
    new DefaultIngressClass(lookup),
    new MutatingAdmissionWebhook(hooks),
    new ValidatingAdmissionPolicyPlugin(lookup, deps.resolveKind),
    new ValidatingAdmissionWebhook(hooks),
    new ResourceQuotaAdmission(lookup),
  ];
}

export function chainOf(plugins: readonly AdmissionPlugin[]): AdmissionChain {
  const mutating = plugins.filter((p) => p.admit);
  const validating = plugins.filter((p) => p.validate);
  return {
    plugins,
    async admit(a) {
      for (const p of mutating) await p.admit!(a);
    },
    async validate(a) {
      for (const p of validating) await p.validate!(a);
    },
  };
}

export function createAdmissionChain(deps: AdmissionChainDeps): AdmissionChain {
  const disabled = new Set(deps.disable ?? []);
  return chainOf(defaultPlugins(deps).filter((p) => !disabled.has(p.name)));
}
