// Kubernetes Status errors. Every failure the API server reports is a StatusError so that the
// HTTP layer can always answer with a proper Status object (reason, code, details.causes).

export interface StatusCause {
  reason?: string; // FieldValueInvalid, FieldValueRequired, FieldValueNotSupported, FieldValueDuplicate, FieldValueForbidden, FieldValueTooLong, FieldManagerConflict, ...
  message?: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, unknown>;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  details?: StatusDetails;
  code: number;
}

export class StatusError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: StatusDetails,
  ) {
    super(message);
    this.name = 'StatusError';
  }

  toStatus(): Status {
    const s: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: this.message, reason: this.reason, code: this.code };
    if (this.details) s.details = this.details;
    return s;
  }
}

/** "pods" or "deployments.apps": how upstream names a resource in messages. */
export function qualifiedResource(resource: string, group: string): string {
  return group ? `${resource}.${group}` : resource;
}

export const errors = {
  badRequest: (message: string) => new StatusError(400, 'BadRequest', message),
  unauthorized: () => new StatusError(401, 'Unauthorized', 'Unauthorized'),
  forbidden: (message: string, details?: StatusDetails) => new StatusError(403, 'Forbidden', message, details),
  notFound: (resource: string, group: string, name: string) =>
    new StatusError(404, 'NotFound', `${qualifiedResource(resource, group)} "${name}" not found`, { name, group: group || undefined, kind: resource }),
  notFoundPath: () => new StatusError(404, 'NotFound', 'the server could not find the requested resource'),
  alreadyExists: (resource: string, group: string, name: string) =>
    new StatusError(409, 'AlreadyExists', `${qualifiedResource(resource, group)} "${name}" already exists`, { name, group: group || undefined, kind: resource }),
  conflict: (resource: string, group: string, name: string, detail = 'the object has been modified; please apply your changes to the latest version and try again') =>
    new StatusError(409, 'Conflict', `Operation cannot be fulfilled on ${qualifiedResource(resource, group)} "${name}": ${detail}`, { name, group: group || undefined, kind: resource }),
  gone: (message: string) => new StatusError(410, 'Expired', message),
  methodNotAllowed: (message = 'the server does not allow this method on the requested resource') => new StatusError(405, 'MethodNotAllowed', message),
  notAcceptable: (message: string) => new StatusError(406, 'NotAcceptable', message),
  tooLarge: (message = 'the request is too large') => new StatusError(413, 'RequestEntityTooLarge', message),
  unsupportedMediaType: (contentType: string, accepted = 'application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json') =>
    new StatusError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: ${accepted} (got ${contentType})`),
  /** 422: `<Kind> "<name>" is invalid: <field>: <detail>, ...` */
  invalid: (kind: string, group: string, name: string, causes: StatusCause[]) =>
    new StatusError(422, 'Invalid', `${kind}${group ? '.' + group : ''} "${name}" is invalid: ${causes.map((c) => (c.field ? `${c.field}: ${c.message}` : c.message)).join(', ')}`, { name, group: group || undefined, kind, causes }),
  internal: (message: string) => new StatusError(500, 'InternalError', `Internal error occurred: ${message}`),
  unavailable: (message: string) => new StatusError(503, 'ServiceUnavailable', message),
  timeout: (message: string) => new StatusError(504, 'Timeout', message),
};

/** Field error helpers in upstream's wording (k8s.io/apimachinery field.Error). */
export const fieldErrors = {
  invalid: (field: string, value: unknown, detail: string): StatusCause => ({ reason: 'FieldValueInvalid', field, message: `Invalid value: ${JSON.stringify(value)}: ${detail}` }),
  required: (field: string, detail = ''): StatusCause => ({ reason: 'FieldValueRequired', field, message: detail ? `Required value: ${detail}` : 'Required value' }),
  notSupported: (field: string, value: unknown, valid: string[]): StatusCause => ({ reason: 'FieldValueNotSupported', field, message: `Unsupported value: ${JSON.stringify(value)}: supported values: ${valid.map((v) => `"${v}"`).join(', ')}` }),
  duplicate: (field: string, value: unknown): StatusCause => ({ reason: 'FieldValueDuplicate', field, message: `Duplicate value: ${JSON.stringify(value)}` }),
  forbidden: (field: string, detail: string): StatusCause => ({ reason: 'FieldValueForbidden', field, message: `Forbidden: ${detail}` }),
  tooLong: (field: string, max: number): StatusCause => ({ reason: 'FieldValueTooLong', field, message: `Too long: may not be more than ${max} bytes` }),
  tooMany: (field: string, max: number): StatusCause => ({ reason: 'FieldValueTooMany', field, message: `Too many: must have at most ${max} items` }),
  typeInvalid: (field: string, value: unknown, detail: string): StatusCause => ({ reason: 'FieldValueTypeInvalid', field, message: `Invalid value: ${JSON.stringify(value)}: ${detail}` }),
};
