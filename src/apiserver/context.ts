// Per-request facts shared by the handlers: who is asking and how the write should behave.

export interface UserInfo {
  username: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

export interface RequestContext {
  user: UserInfo;
  dryRun: boolean;
  fieldManager?: string;
  /** Manager recorded for writes without fieldManager (from the user agent). */
  defaultFieldManager: string;
  fieldValidation: FieldValidation;
  /** Warning headers to send (`299 - "text"`). */
  warnings: string[];
  now: Date;
  signal: AbortSignal;
}

/** RFC 3339 with second precision, as metav1.Time serialises. */
export function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** RFC 3339 with microseconds, as metav1.MicroTime serialises. */
export function rfc3339Micro(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}
