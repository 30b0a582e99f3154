// MutatingAdmissionWebhook and ValidatingAdmissionWebhook: read the webhook configurations,
// call each matching webhook (mutating ones in order, applying their JSONPatch responses;
// validating ones in parallel) and turn a denial or a failure into upstream's errors.
import { StatusError, errors } from '../../../api/errors.js';
import type { KubeObject } from '../../../api/object.js';
import { applyJsonPatch } from '../../../api/patch/json-patch.js';
import type { AdmissionPlugin } from '../../types.js';
import type { AdmissionRequest } from '../attributes.js';
import type { ObjectLookup } from '../lookup.js';
import { admissionReview, callWebhook, endpointResolver, type AdmissionResponse, type ServiceResolver, type Target } from './caller.js';
import { exemptFromWebhooks, namespaceSelectorMatches, objectSelectorMatches, ruleMatches, webhooksOf, type Webhook } from './matching.js';

export interface WebhookDeps {
  lookup: ObjectLookup;
  resolveService?: ServiceResolver;
  /** Called when a webhook with failurePolicy Ignore fails (for logs). */
  onIgnoredFailure?(hook: Webhook, err: Error): void;
}

/** `admission webhook "x" denied the request: <message>`, with the webhook's code (403 by default). */
export function deniedError(name: string, status: AdmissionResponse['status']): StatusError {
  const base = `admission webhook "${name}" denied the request`;
  const message = status?.message ? `${base}: ${status.message}` : `${base} without explanation`;
  return new StatusError(status?.code || 403, status?.reason ?? 'Forbidden', message);
}

abstract class WebhookDispatcher implements AdmissionPlugin {
  abstract readonly name: string;
  protected abstract readonly configResource: string;
  private readonly resolve: ServiceResolver;

  constructor(protected readonly deps: WebhookDeps) {
    this.resolve = deps.resolveService ?? endpointResolver(deps.lookup);
  }

  /** Matching webhooks, ordered by configuration name then position, as upstream sorts them. */
  protected async matching(a: AdmissionRequest): Promise<Webhook[]> {
    if (exemptFromWebhooks(a)) return [];
    const configs = await this.deps.lookup.list('admissionregistration.k8s.io', this.configResource, '');
    if (!configs.length) return [];
    configs.sort((x, y) => (x.metadata.name! < y.metadata.name! ? -1 : x.metadata.name! > y.metadata.name! ? 1 : 0));
    let nsLabels: Record<string, string> | undefined;
    let nsLoaded = false;
    const out: Webhook[] = [];
    for (const hook of configs.flatMap(webhooksOf)) {
      if (!hook.rules.some((r) => ruleMatches(r, a))) continue;
      if (!objectSelectorMatches(hook.objectSelector, a)) continue;
      if (hook.namespaceSelector && a.info.namespaced && a.namespace && !nsLoaded) {
        nsLabels = (await this.deps.lookup.get('', 'namespaces', '', a.namespace))?.metadata.labels;
        nsLoaded = true;
      }
      if (!namespaceSelectorMatches(hook.namespaceSelector, a, nsLabels)) continue;
      out.push(hook);
    }
    return out;
  }

  /** Calls one webhook; undefined when it failed and its failurePolicy is Ignore. */
  protected async call(hook: Webhook, a: AdmissionRequest): Promise<AdmissionResponse | undefined> {
    if (a.dryRun && hook.sideEffects !== 'None' && hook.sideEffects !== 'NoneOnDryRun') {
      throw errors.badRequest(`admission webhook "${hook.name}" does not support dry run`);
    }
    try {
      const target: Target = hook.clientConfig.url ? { url: new URL(hook.clientConfig.url) } : await this.resolve(hook.clientConfig.service!);
      const resp = await callWebhook(hook, target, admissionReview(a));
      for (const w of resp.warnings ?? []) a.warnings?.push(w);
      for (const [k, v] of Object.entries(resp.auditAnnotations ?? {})) if (a.auditAnnotations) a.auditAnnotations[`${hook.name}/${k}`] = v;
      return resp;
    } catch (err) {
      if (err instanceof StatusError) throw err;
      if (hook.failurePolicy === 'Ignore') {
        this.deps.onIgnoredFailure?.(hook, err as Error);
        return undefined;
      }
      throw errors.internal(`failed calling webhook "${hook.name}": ${(err as Error).message}`);
    }
  }
}

export class MutatingAdmissionWebhook extends WebhookDispatcher {
  readonly name = 'MutatingAdmissionWebhook';
  protected readonly configResource = 'mutatingwebhookconfigurations';

  async admit(a: AdmissionRequest): Promise<void> {
    const hooks = await this.matching(a);
    for (const hook of hooks) {
      const resp = await this.call(hook, a);
      if (!resp) continue;
      if (!resp.allowed) throw deniedError(hook.name, resp.status);
      if (!resp.patch || !a.object) continue;
      if (resp.patchType !== 'JSONPatch') throw errors.internal(`failed calling webhook "${hook.name}": unsupported patch type "${resp.patchType ?? ''}"`);
      let ops: unknown;
      try {
        ops = JSON.parse(Buffer.from(resp.patch, 'base64').toString('utf8'));
      } catch {
        throw errors.internal(`failed calling webhook "${hook.name}": could not decode the JSONPatch`);
      }
      const patched = applyJsonPatch(a.object as any, ops) as KubeObject;
      // Replace in place so that the caller's reference sees the mutation.
      for (const k of Object.keys(a.object)) delete (a.object as any)[k];
      Object.assign(a.object, patched);
    }
  }
}

export class ValidatingAdmissionWebhook extends WebhookDispatcher {
  readonly name = 'ValidatingAdmissionWebhook';
  protected readonly configResource = 'validatingwebhookconfigurations';

  async validate(a: AdmissionRequest): Promise<void> {
    const hooks = await this.matching(a);
    if (!hooks.length) return;
    const results = await Promise.allSettled(hooks.map((h) => this.call(h, a)));
    for (let i = 0; i < hooks.length; i++) {
      const r = results[i]!;
      if (r.status === 'rejected') throw r.reason;
      if (r.value && !r.value.allowed) throw deniedError(hooks[i]!.name, r.value.status);
    }
  }
}
