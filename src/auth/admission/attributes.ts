// Small helpers over AdmissionAttributes shared by the plugins: what is being admitted and the
// upstream admission.NewForbidden error shape.
import { errors, qualifiedResource, type StatusError } from '../../api/errors.js';
import type { KubeObject } from '../../api/object.js';
import type { AdmissionAttributes } from '../types.js';

/**
 * Attributes as the chain passes them: plugins append Warning header texts to `warnings` and
 * audit annotations to `auditAnnotations` when the caller provides those arrays.
 */
export interface AdmissionRequest extends AdmissionAttributes {
  warnings?: string[];
  auditAnnotations?: Record<string, string>;
}

export function isResource(a: AdmissionAttributes, group: string, plural: string, subresource = ''): boolean {
  return a.info.group === group && a.info.plural === plural && a.subresource === subresource;
}

/** `pods "x" is forbidden: <reason>` — upstream admission.NewForbidden. */
export function admissionForbidden(a: AdmissionAttributes, reason: string): StatusError {
  const name = a.name || a.object?.metadata.name || '';
  return errors.forbidden(`${qualifiedResource(a.info.plural, a.info.group)} "${name}" is forbidden: ${reason}`, {
    name,
    group: a.info.group || undefined,
    kind: a.info.plural,
  });
}

export function warn(a: AdmissionAttributes, text: string): void {
  (a as AdmissionRequest).warnings?.push(text);
}

export function podSpec(obj: KubeObject | undefined): any {
  return (obj as any)?.spec ?? {};
}
