// ConfigMap and Secret validation: data keys, size limits, Secret type rules, immutability,
// and the 400 that upstream's JSON decoder gives for Secret data that is not base64.
import { errors, fieldErrors, type StatusError } from '../errors.js';
import type { KubeObject } from '../object.js';
import { isConfigMapKey } from './names.js';
import { type Causes, deepEqual, FIELD_IMMUTABLE, key, obj, str } from './field.js';

export const MAX_SECRET_SIZE = 1024 * 1024;
const REDACTED = '<secret contents redacted>';

function validateKeys(data: Record<string, unknown> | undefined, path: string, out: Causes): void {
  if (!data) return;
  for (const k of Object.keys(data)) for (const m of isConfigMapKey(k)) out.push(fieldErrors.invalid(key(path, k), k, m));
}

export function validateConfigMap(cm: KubeObject): Causes {
  const out: Causes = [];
  const data = obj(cm.data);
  const binary = obj(cm.binaryData);
  validateKeys(data, 'data', out);
  validateKeys(binary, 'binaryData', out);
  let size = 0;
  if (data) for (const [k, v] of Object.entries(data)) size += k.length + (typeof v === 'string' ? Buffer.byteLength(v) : 0);
  if (binary) {
    for (const [k, v] of Object.entries(binary)) {
      if (data && k in data) out.push(fieldErrors.invalid('binaryData', k, 'duplicate of key present in data'));
      size += k.length + (typeof v === 'string' ? Math.floor((v.length * 3) / 4) : 0);
    }
  }
  if (size > MAX_SECRET_SIZE) out.push(fieldErrors.tooLong('', MAX_SECRET_SIZE));
  return out;
}

const B64 = new Int16Array(256).fill(-1);
for (const [i, c] of [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'].entries()) B64[c.charCodeAt(0)] = i;

/**
 * Byte offset of the first base64 error as Go's base64.StdEncoding reports it (the decoder
 * behind []byte JSON fields), or -1 when the text decodes. Newlines are skipped like Go does.
 */
export function goBase64ErrorOffset(s: string): number {
  const n = s.length;
  const isNL = (i: number) => s.charCodeAt(i) === 10 || s.charCodeAt(i) === 13;
  let si = 0;
  while (si < n) {
    let j = 0;
    for (; j < 4; j++) {
      if (si === n) {
        if (j === 0) return -1;
        return si - j;
      }
      const ch = s.charCodeAt(si);
      si++;
      if (ch < 256 && B64[ch]! >= 0) continue;
      if (ch === 10 || ch === 13) { j--; continue; }
      if (ch !== 61) return si - 1;
      // Padding: only valid in the last two positions of the final quantum.
      if (j === 0 || j === 1) return si - 1;
      if (j === 2) {
        while (si < n && isNL(si)) si++;
        if (si === n) return n;
        if (s.charCodeAt(si) !== 61) return si - 1;
        si++;
      }
      while (si < n && isNL(si)) si++;
      return si < n ? si : -1;
    }
  }
  return -1;
}

/**
 * Upstream rejects undecodable Secret.data while decoding the body (400, not 422). Returns the
 * error to throw, or undefined when every value is valid base64.
 */
export function secretDecodeError(secret: KubeObject): StatusError | undefined {
  const data = obj(secret.data);
  if (!data) return undefined;
  for (const v of Object.values(data)) {
    if (v === null) continue;
    if (typeof v !== 'string') return errors.badRequest(`Secret in version "v1" cannot be handled as a Secret: json: cannot unmarshal ${typeof v === 'number' ? 'number' : typeof v} into Go struct field Secret.data of type []uint8`);
    const off = goBase64ErrorOffset(v);
    if (off >= 0) return errors.badRequest(`Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte ${off}`);
  }
  return undefined;
}

function decodedLength(v: unknown): number {
  return typeof v === 'string' ? Buffer.from(v, 'base64').length : 0;
}

export function validateSecret(secret: KubeObject): Causes {
  const out: Causes = [];
  const data = (obj(secret.data) ?? {}) as Record<string, unknown>;
  validateKeys(data, 'data', out);
  const stringData = obj(secret.stringData);
  validateKeys(stringData, 'stringData', out);
  let size = 0;
  for (const v of Object.values(data)) size += decodedLength(v);
  if (size > MAX_SECRET_SIZE) out.push(fieldErrors.tooLong('data', MAX_SECRET_SIZE));
  const has = (k: string) => data[k] !== undefined && data[k] !== null;
  switch (secret.type) {
    case 'kubernetes.io/service-account-token': {
      const ann = secret.metadata.annotations ?? {};
      if (!ann['kubernetes.io/service-account.name']) out.push(fieldErrors.required('metadata.annotations[kubernetes.io/service-account.name]'));
      break;
    }
    case 'kubernetes.io/dockercfg':
      if (!has('.dockercfg')) out.push(fieldErrors.required('data[.dockercfg]'));
      else if (!isJSON(data['.dockercfg'])) out.push(fieldErrors.invalid('data[.dockercfg]', REDACTED, 'invalid character in JSON'));
      break;
    case 'kubernetes.io/dockerconfigjson':
      if (!has('.dockerconfigjson')) out.push(fieldErrors.required('data[.dockerconfigjson]'));
      else if (!isJSON(data['.dockerconfigjson'])) out.push(fieldErrors.invalid('data[.dockerconfigjson]', REDACTED, 'invalid character in JSON'));
      break;
    case 'kubernetes.io/basic-auth':
      if (!has('username') && !has('password')) {
        out.push(fieldErrors.required('data[username]'));
        out.push(fieldErrors.required('data[password]'));
      }
      break;
    case 'kubernetes.io/ssh-auth':
      if (!has('ssh-privatekey')) out.push(fieldErrors.required('data[ssh-privatekey]'));
      break;
    case 'kubernetes.io/tls':
      if (!has('tls.crt')) out.push(fieldErrors.required('data[tls.crt]'));
      if (!has('tls.key')) out.push(fieldErrors.required('data[tls.key]'));
      break;
    default:
      break;
  }
  return out;
}

function isJSON(b64: unknown): boolean {
  try {
    JSON.parse(Buffer.from(str(b64) ?? '', 'base64').toString('utf8'));
    return true;
  } catch {
    return false;
  }
}

/** `immutable: true` freezes data (and binaryData) and cannot be undone. */
function validateImmutable(o: KubeObject, old: KubeObject, fields: string[]): Causes {
  const out: Causes = [];
  if (old.immutable !== true) return out;
  if (o.immutable !== true) out.push(fieldErrors.forbidden('immutable', 'field is immutable when `immutable` is set'));
  for (const f of fields) {
    if (!deepEqual(o[f] ?? {}, old[f] ?? {})) out.push(fieldErrors.forbidden(f, 'field is immutable when `immutable` is set'));
  }
  return out;
}

export function validateConfigMapUpdate(cm: KubeObject, old: KubeObject): Causes {
  return validateImmutable(cm, old, ['data', 'binaryData']);
}

export function validateSecretUpdate(secret: KubeObject, old: KubeObject): Causes {
  const out = validateImmutable(secret, old, ['data']);
  if ((secret.type ?? '') !== (old.type ?? '')) out.push(fieldErrors.invalid('type', secret.type ?? '', FIELD_IMMUTABLE));
  return out;
}
