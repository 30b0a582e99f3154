// Builds the AuditEvent of one finished request from what the API server's dispatch knows
// (RequestInfo, user, status code, times). Kept here so the server's wiring is one call.
import { randomUUID } from 'node:crypto';
import type { RequestInfo } from '../../apiserver/request-info.js';
import type { AuditEvent, UserInfo } from '../types.js';

/** metav1.MicroTime form: RFC 3339 with microseconds. */
const micro = (d: Date) => d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');

export interface RequestFacts {
  requestURI: string;
  method: string;
  ri?: RequestInfo;
  user?: UserInfo;
  sourceIP?: string;
  userAgent?: string;
  code: number;
  received: Date;
  finished?: Date;
  auditID?: string;
  requestObject?: unknown;
  responseObject?: unknown;
}

export function auditEventOf(f: RequestFacts): AuditEvent {
  const ri = f.ri;
  const e: AuditEvent = {
    level: 'Metadata',
    auditID: f.auditID ?? randomUUID(),
    stage: 'ResponseComplete',
    requestURI: f.requestURI,
    verb: ri?.verb ?? f.method.toLowerCase(),
    user: f.user ?? { username: 'system:anonymous', groups: ['system:unauthenticated'] },
    sourceIPs: f.sourceIP ? [f.sourceIP.replace(/^::ffff:/, '')] : [],
    userAgent: f.userAgent,
    responseStatus: { code: f.code },
    requestReceivedTimestamp: micro(f.received),
    stageTimestamp: micro(f.finished ?? new Date()),
  };
  if (ri?.isResourceRequest) {
    const ref: NonNullable<AuditEvent['objectRef']> = { resource: ri.resource };
    if (ri.namespace) ref.namespace = ri.namespace;
    if (ri.name) ref.name = ri.name;
    if (ri.group) ref.apiGroup = ri.group;
    ref.apiVersion = ri.version;
    if (ri.subresource) ref.subresource = ri.subresource;
    e.objectRef = ref;
  }
  if (f.requestObject !== undefined) e.requestObject = f.requestObject;
  if (f.responseObject !== undefined) e.responseObject = f.responseObject;
  return e;
}
