// Contracts of the security chain (issue 7): authentication, authorization, admission, storage
// transformers and audit. The API server calls these; implementations live beside this file.
import type { KubeObject } from '../api/object.js';
import type { ResourceInfo } from '../api/registry/types.js';
import type { UserInfo } from '../apiserver/context.js';

export type { UserInfo };

/** Authenticates a bearer token; null when the token is not one this authenticator knows. */
export type TokenAuthenticator = (token: string) => Promise<UserInfo | null> | UserInfo | null;

/** What a request asks to do, as upstream's authorizer.Attributes. */
export interface AuthorizationAttributes {
  user: UserInfo;
  verb: string; // get list watch create update patch delete deletecollection, or bind/escalate/impersonate/approve/sign...; for non-resource requests the lower-case HTTP method
  isResourceRequest: boolean;
  apiGroup: string;
  apiVersion: string;
  resource: string;
  subresource: string;
  namespace: string;
  name: string;
  /** Non-resource requests: the URL path (e.g. /healthz). */
  path: string;
}

export type Decision = 'allow' | 'deny' | 'noOpinion';

export interface Authorizer {
  authorize(a: AuthorizationAttributes): Promise<{ decision: Decision; reason: string }>;
}

export type AdmissionOperation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';

export interface AdmissionAttributes {
  operation: AdmissionOperation;
  info: ResourceInfo;
  subresource: string;
  namespace: string;
  name: string;
  /** The new object (CREATE/UPDATE); mutating plugins may change it. */
  object?: KubeObject;
  oldObject?: KubeObject;
  user: UserInfo;
  dryRun: boolean;
}

/** A built-in admission plugin or a webhook; throws a StatusError to refuse. */
export interface AdmissionPlugin {
  name: string; // upstream's plugin name: NamespaceLifecycle, LimitRanger, ServiceAccount, ...
  admit?(a: AdmissionAttributes): Promise<void>; // mutating phase
  validate?(a: AdmissionAttributes): Promise<void>; // validating phase
}

/** Encryption at rest: applied to values of matching keys on their way to and from the store. */
export interface ValueTransformer {
  toStore(key: string, value: Buffer): Buffer;
  /** Returns the plaintext and whether the value should be rewritten (stale key or identity). */
  fromStore(key: string, value: Buffer): { value: Buffer; stale: boolean };
}

export interface AuditEvent {
  level: 'Metadata' | 'Request' | 'RequestResponse';
  auditID: string;
  stage: 'ResponseComplete';
  requestURI: string;
  verb: string;
  user: UserInfo;
  sourceIPs: string[];
  userAgent?: string;
  objectRef?: { resource?: string; namespace?: string; name?: string; apiGroup?: string; apiVersion?: string; subresource?: string };
  responseStatus: { code: number };
  requestObject?: unknown;
  responseObject?: unknown;
  requestReceivedTimestamp: string;
  stageTimestamp: string;
}
