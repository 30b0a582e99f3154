// The audit backend: applies the audit Policy to each finished request and appends the event as
// one JSON line (audit.k8s.io/v1 Event) to the log file, batching writes off the request path.
// It owns the log file only; the API server builds the AuditEvent and calls record().
import { createWriteStream, type WriteStream } from 'node:fs';
import type { AuditEvent } from '../types.js';
import { DEFAULT_POLICY, evaluatePolicy, loadAuditPolicy, type AuditPolicy } from './policy.js';

export interface AuditLoggerOptions {
  /** An audit.k8s.io/v1 Policy file; Metadata for everything when absent. */
  policyPath?: string;
  policy?: AuditPolicy;
  /** Where JSON lines go; "-" for stdout. */
  logPath: string;
  /** Events per write (default 100). */
  maxBatch?: number;
}

function withoutManagedFields(obj: unknown): unknown {
  if (!obj || typeof obj !== 'object') return obj;
  const o = obj as { metadata?: Record<string, unknown>; items?: unknown[] };
  if (o.metadata && 'managedFields' in o.metadata) {
    const { managedFields: _omit, ...meta } = o.metadata;
    return { ...o, metadata: meta, ...(o.items ? { items: o.items.map(withoutManagedFields) } : {}) };
  }
  if (Array.isArray(o.items)) return { ...o, items: o.items.map(withoutManagedFields) };
  return obj;
}

/** The JSON line for an event at a level, or undefined when the policy drops it. */
export function auditLine(policy: AuditPolicy, event: AuditEvent, annotations?: Record<string, string>): string | undefined {
  const d = evaluatePolicy(policy, event);
  if (d.level === 'None' || d.omitStages.includes(event.stage)) return undefined;
  const out: Record<string, unknown> = {
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: d.level,
    auditID: event.auditID,
    stage: event.stage,
    requestURI: event.requestURI,
    verb: event.verb,
    user: event.user,
    sourceIPs: event.sourceIPs,
  };
  if (event.userAgent) out.userAgent = event.userAgent;
  if (event.objectRef) out.objectRef = event.objectRef;
  out.responseStatus = { metadata: {}, ...event.responseStatus };
  if ((d.level === 'Request' || d.level === 'RequestResponse') && event.requestObject !== undefined) {
    out.requestObject = d.omitManagedFields ? withoutManagedFields(event.requestObject) : event.requestObject;
  }
  if (d.level === 'RequestResponse' && event.responseObject !== undefined) {
    out.responseObject = d.omitManagedFields ? withoutManagedFields(event.responseObject) : event.responseObject;
  }
  out.requestReceivedTimestamp = event.requestReceivedTimestamp;
  out.stageTimestamp = event.stageTimestamp;
  if (annotations && Object.keys(annotations).length) out.annotations = annotations;
  return JSON.stringify(out);
}

export class AuditLogger {
  private readonly policy: AuditPolicy;
  private readonly stream: WriteStream | NodeJS.WriteStream;
  private readonly maxBatch: number;
  private pending: string[] = [];
  private scheduled = false;
  private drained: Promise<void> = Promise.resolve();

  constructor(opts: AuditLoggerOptions) {
    this.policy = opts.policy ?? (opts.policyPath ? loadAuditPolicy(opts.policyPath) : DEFAULT_POLICY);
    this.stream = opts.logPath === '-' ? process.stdout : createWriteStream(opts.logPath, { flags: 'a', mode: 0o600 });
    this.maxBatch = opts.maxBatch ?? 100;
  }

  /** Level the policy gives a request, so callers can skip capturing bodies they would not log. */
  levelFor(event: Pick<AuditEvent, 'user' | 'verb' | 'objectRef' | 'requestURI'>): 'None' | 'Metadata' | 'Request' | 'RequestResponse' {
    return evaluatePolicy(this.policy, event).level;
  }

  record(event: AuditEvent, annotations?: Record<string, string>): void {
    const line = auditLine(this.policy, event, annotations);
    if (line === undefined) return;
    this.pending.push(line);
    if (this.pending.length >= this.maxBatch) this.write();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.write());
    }
  }

  private write(): void {
    this.scheduled = false;
    if (!this.pending.length) return;
    const chunk = this.pending.join('\n') + '\n';
    this.pending = [];
    this.drained = this.drained.then(
      () =>
        new Promise<void>((resolve) => {
          if (!this.stream.write(chunk)) this.stream.once('drain', resolve);
          else resolve();
        }),
    );
  }

  /** Resolves when every recorded event has been handed to the file. */
  async flush(): Promise<void> {
    this.write();
    await this.drained;
  }

  async close(): Promise<void> {
    await this.flush();
    if (this.stream === process.stdout) return;
    await new Promise<void>((resolve) => (this.stream as WriteStream).end(resolve));
  }
}
