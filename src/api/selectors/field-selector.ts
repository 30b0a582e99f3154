// Field selectors (`metadata.name=x,status.phase!=Failed`). Which fields a resource supports is
// the resource's business; here we only parse and evaluate against a field getter.
import { errors } from '../errors.js';

export interface FieldRequirement {
  field: string;
  op: '=' | '!=';
  value: string;
}

export function parseFieldSelector(s: string): FieldRequirement[] {
  const out: FieldRequirement[] = [];
  if (!s) return out;
  for (const part of splitUnescaped(s, ',')) {
    if (!part) continue;
    let m = /^([^=!]+)(==|!=|=)(.*)$/.exec(part);
    if (!m) throw errors.badRequest(`invalid selector: '${s}'; can't understand '${part}'`);
    const value = m[3]!.replace(/\\(.)/g, '$1');
    out.push({ field: m[1]!.trim(), op: m[2] === '!=' ? '!=' : '=', value });
    m = null;
  }
  return out;
}

function splitUnescaped(s: string, sep: string): string[] {
  const parts: string[] = [];
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\' && i + 1 < s.length) {
      cur += c + s[++i];
    } else if (c === sep) {
      parts.push(cur);
      cur = '';
    } else cur += c;
  }
  parts.push(cur);
  return parts;
}

export type FieldGetter = (obj: any, field: string) => string | undefined;

/** Generic field getter: dotted paths into the object; booleans and numbers as strings. */
export const defaultFieldGetter: FieldGetter = (obj, field) => {
  let cur: any = obj;
  for (const p of field.split('.')) {
    if (cur == null || typeof cur !== 'object') return undefined;
    cur = cur[p];
  }
  if (cur === undefined || cur === null) return '';
  return typeof cur === 'object' ? undefined : String(cur);
};
