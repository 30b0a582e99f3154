// Safe JSON decoding for request bodies: upstream's nesting limit, duplicate-field reporting in
// sigs.k8s.io/json's path format, and no "__proto__" keys ever reaching the object model.

import { errors } from '../errors.js';

/**
 * Nesting limit. Upstream (sigs.k8s.io/json) allows 10000, but V8's own recursive JSON.stringify and
 * structuredClone overflow the stack near 4000 levels, so anything deeper would fail later as a 500.
 * Real objects stay below ~100 levels; 1000 leaves ample room.
 */
export const MAX_JSON_DEPTH = 1000;
/** Upstream stops collecting strict-decoding errors after this many. */
const MAX_DUPLICATES = 100;

export interface JsonDecodeOptions {
  /** Report duplicate object keys (fieldValidation Strict/Warn); otherwise the last value wins silently. */
  strictDuplicates?: boolean;
}

export interface JsonDecodeResult {
  value: unknown;
  /** Field paths of duplicated keys, e.g. "metadata.name" or "spec.containers[0].image". */
  duplicates: string[];
}

export function decodeJsonBody(buf: Buffer | string, opts: JsonDecodeOptions = {}): JsonDecodeResult {
  const text = typeof buf === 'string' ? buf : buf.toString('utf8');
  // Fast path: JSON.parse is safe when no key can spell __proto__ (directly or via \u escapes).
  if (!opts.strictDuplicates && text.indexOf('__proto__') < 0 && text.indexOf('\\u') < 0) {
    checkDepth(text);
    try {
      return { value: JSON.parse(text), duplicates: [] };
    } catch {
      // Fall through: the own parser produces upstream-style messages.
    }
  }
  return new JsonParser(text, !!opts.strictDuplicates).parse();
}

/** Bracket depth outside strings; cheap pre-check so JSON.parse never sees absurd nesting. */
function checkDepth(text: string): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > MAX_JSON_DEPTH) throw jsonError('exceeded max depth');
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
}

function jsonError(detail: string) {
  return errors.badRequest(`unable to decode JSON body: ${detail}`);
}

export function protoKeyError() {
  return errors.badRequest('unable to decode body: "__proto__" is not allowed as an object key');
}

interface Frame {
  container: Record<string, unknown> | unknown[];
  key: string; // pending key for objects
  seen: Set<string> | undefined; // keys seen, only when duplicates are tracked
}

/** Iterative recursive-descent parser: nesting is bounded by MAX_JSON_DEPTH, not by the JS stack. */
class JsonParser {
  private pos = 0;
  private readonly stack: Frame[] = [];
  private readonly duplicates: string[] = [];
  private readonly dupSeen = new Set<string>();

  constructor(
    private readonly text: string,
    private readonly trackDuplicates: boolean,
  ) {}

  parse(): JsonDecodeResult {
    this.ws();
    if (this.pos >= this.text.length) throw jsonError('unexpected end of JSON input');
    let value: unknown;
    const stack = this.stack;
    // Each iteration reads one value, then attaches it to the enclosing container.
    for (;;) {
      this.ws();
      const c = this.text.charCodeAt(this.pos);
      let v: unknown;
      let opened = false;
      if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
        if (stack.length >= MAX_JSON_DEPTH) throw jsonError('exceeded max depth');
        this.pos++;
        const isObj = c === 0x7b;
        const frame: Frame = { container: isObj ? {} : [], key: '', seen: isObj && this.trackDuplicates ? new Set() : undefined };
        this.ws();
        const close = isObj ? 0x7d : 0x5d;
        if (this.text.charCodeAt(this.pos) === close) {
          this.pos++;
          v = frame.container;
        } else {
          stack.push(frame);
          if (isObj) this.readKey(frame);
          opened = true;
        }
      } else v = this.scalar(c);
      if (opened) continue;
      // Attach v and close finished containers.
      for (;;) {
        const top = stack[stack.length - 1];
        if (!top) {
          value = v;
          break;
        }
        if (Array.isArray(top.container)) top.container.push(v);
        else top.container[top.key] = v;
        this.ws();
        const n = this.text.charCodeAt(this.pos);
        if (n === 0x2c /* , */) {
          this.pos++;
          if (!Array.isArray(top.container)) {
            this.ws();
            this.readKey(top);
          }
          break;
        }
        const close = Array.isArray(top.container) ? 0x5d : 0x7d;
        if (n !== close) throw this.unexpected(Array.isArray(top.container) ? 'after array element' : 'after object key:value pair');
        this.pos++;
        stack.pop();
        v = top.container;
      }
      if (stack.length === 0) break;
    }
    this.ws();
    if (this.pos < this.text.length) throw this.unexpected('after top-level value');
    return { value, duplicates: this.duplicates };
  }

  private readKey(frame: Frame): void {
    if (this.text.charCodeAt(this.pos) !== 0x22) throw this.unexpected('looking for beginning of object key string');
    const key = this.string();
    if (key === '__proto__') throw protoKeyError();
    this.ws();
    if (this.text.charCodeAt(this.pos) !== 0x3a /* : */) throw this.unexpected('after object key');
    this.pos++;
    if (frame.seen) {
      if (frame.seen.has(key)) this.recordDuplicate(key);
      else frame.seen.add(key);
    }
    frame.key = key;
  }

  private recordDuplicate(key: string): void {
    if (this.duplicates.length >= MAX_DUPLICATES) return;
    // Path of the enclosing containers, as sigs.k8s.io/json prints it: a.b[0].c
    let path = '';
    const stack = this.stack;
    for (let i = 0; i < stack.length - 1; i++) {
      const parent = stack[i].container;
      if (Array.isArray(parent)) path += `[${parent.length}]`;
      else path += (path ? '.' : '') + stack[i].key;
    }
    const full = path ? `${path}.${key}` : key;
    if (this.dupSeen.has(full)) return;
    this.dupSeen.add(full);
    this.duplicates.push(full);
  }

  private ws(): void {
    const t = this.text;
    let p = this.pos;
    for (;;) {
      const c = t.charCodeAt(p);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) p++;
      else break;
    }
    this.pos = p;
  }

  private scalar(c: number): unknown {
    if (c === 0x22) return this.string();
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return this.number();
    if (this.text.startsWith('true', this.pos)) return (this.pos += 4), true;
    if (this.text.startsWith('false', this.pos)) return (this.pos += 5), false;
    if (this.text.startsWith('null', this.pos)) return (this.pos += 4), null;
    if (this.pos >= this.text.length) throw jsonError('unexpected end of JSON input');
    throw this.unexpected('looking for beginning of value');
  }

  private number(): number {
    const t = this.text;
    const start = this.pos;
    let p = start;
    if (t.charCodeAt(p) === 0x2d) p++;
    const intStart = p;
    while (isDigit(t.charCodeAt(p))) p++;
    if (p === intStart || (t.charCodeAt(intStart) === 0x30 && p - intStart > 1)) {
      this.pos = p === intStart ? p : intStart + 1;
      throw this.unexpected(p === intStart ? 'in numeric literal' : 'after top-level value');
    }
    if (t.charCodeAt(p) === 0x2e) {
      p++;
      const f = p;
      while (isDigit(t.charCodeAt(p))) p++;
      if (p === f) {
        this.pos = p;
        throw this.unexpected('after decimal point in numeric literal');
      }
    }
    const e = t.charCodeAt(p);
    if (e === 0x65 || e === 0x45) {
      p++;
      const s = t.charCodeAt(p);
      if (s === 0x2b || s === 0x2d) p++;
      const f = p;
      while (isDigit(t.charCodeAt(p))) p++;
      if (p === f) {
        this.pos = p;
        throw this.unexpected('in exponent of numeric literal');
      }
    }
    this.pos = p;
    return Number(t.slice(start, p));
  }

  private string(): string {
    const t = this.text;
    let p = this.pos + 1;
    let out = '';
    let chunk = p;
    for (;;) {
      if (p >= t.length) throw jsonError('unexpected end of JSON input');
      const c = t.charCodeAt(p);
      if (c === 0x22) break;
      if (c < 0x20) {
        this.pos = p;
        throw this.unexpected('in string literal');
      }
      if (c !== 0x5c) {
        p++;
        continue;
      }
      out += t.slice(chunk, p);
      const esc = t.charCodeAt(p + 1);
      switch (esc) {
        case 0x22: out += '"'; break;
        case 0x5c: out += '\\'; break;
        case 0x2f: out += '/'; break;
        case 0x62: out += '\b'; break;
        case 0x66: out += '\f'; break;
        case 0x6e: out += '\n'; break;
        case 0x72: out += '\r'; break;
        case 0x74: out += '\t'; break;
        case 0x75: {
          const hex = t.slice(p + 2, p + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) {
            this.pos = p + 2;
            throw this.unexpected('in \\u hexadecimal character escape');
          }
          out += String.fromCharCode(parseInt(hex, 16));
          p += 4;
          break;
        }
        default:
          this.pos = p + 1;
          throw this.unexpected('in string escape code');
      }
      p += 2;
      chunk = p;
    }
    out += t.slice(chunk, p);
    this.pos = p + 1;
    return out;
  }

  private unexpected(context: string) {
    if (this.pos >= this.text.length) return jsonError('unexpected end of JSON input');
    const ch = this.text[this.pos];
    return jsonError(`invalid character ${JSON.stringify(ch)} ${context} (offset ${this.pos})`);
  }
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}
