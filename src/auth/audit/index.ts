// Audit logging (issue 7): audit Policy evaluation and the JSON-lines log backend.
export { AuditLogger, auditLine, type AuditLoggerOptions } from './audit-logger.js';
export { auditEventOf, type RequestFacts } from './event.js';
export { evaluatePolicy, loadAuditPolicy, parseAuditPolicy, DEFAULT_POLICY, type AuditPolicy, type AuditLevel } from './policy.js';
