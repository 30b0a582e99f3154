// Safe YAML decoding for request bodies (apply-patch+yaml, YAML content types). Mirrors upstream's
// sigs.k8s.io/yaml (YAML 1.1 scalars via yaml.v2, then JSON): yes/no/on/off are booleans, 0777 is octal,
// timestamps and 1:20 sexagesimals stay strings. Alias expansion, nesting and "__proto__" are bounded.

import { Document, isAlias, isMap, isPair, isScalar, isSeq, parseAllDocuments, type Node, type Tags } from 'yaml';
import { errors } from '../errors.js';
import { MAX_JSON_DEPTH, protoKeyError, type JsonDecodeResult } from './json.js';

/** Alias nodes allowed per document; stops "billion laughs" expansion. */
export const MAX_YAML_ALIASES = 100;

export interface YamlDecodeOptions {
  strictDuplicates?: boolean;
}

function yamlError(detail: string) {
  return errors.badRequest(`unable to decode YAML body: ${detail}`);
}

// yaml.v2 hands timestamps and sexagesimal numbers to JSON as plain strings.
const dropTimeTags = (tags: Tags): Tags =>
  tags.filter((t) => {
    const tag = t as { tag?: string; format?: string };
    return tag.tag !== 'tag:yaml.org,2002:timestamp' && tag.format !== 'TIME';
  });

/**
 * The yaml library composes recursively and, near stack exhaustion, can even abort the process
 * (observed: a fatal OOM in the regexp compiler at ~1000 nested flow sequences). So nesting is bounded
 * by a cheap conservative pre-scan before the library sees the text.
 */
export const MAX_YAML_FLOW_DEPTH = 200;
export const MAX_YAML_BLOCK_DEPTH = 400;

export function decodeYamlBody(buf: Buffer | string, opts: YamlDecodeOptions = {}): JsonDecodeResult {
  const text = typeof buf === 'string' ? buf : buf.toString('utf8');
  checkYamlNesting(text);
  let docs: Document.Parsed[];
  try {
    docs = parseAllDocuments(text, { version: '1.1', merge: true, uniqueKeys: false, customTags: dropTimeTags, prettyErrors: false }) as Document.Parsed[];
  } catch (e) {
    throw wrap(e);
  }
  if (!Array.isArray(docs)) throw yamlError('unexpected parser result');
  const nonEmpty = docs.filter((d) => d.contents !== null || d.errors.length > 0);
  if (nonEmpty.length > 1) throw yamlError('expected a single YAML document, found more than one');
  const doc = nonEmpty[0];
  if (!doc) return { value: null, duplicates: [] };
  if (doc.errors.length > 0) throw wrap(doc.errors[0]);
  const duplicates = opts.strictDuplicates ? findDuplicates(doc.contents) : [];
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_YAML_ALIASES });
  } catch (e) {
    throw wrap(e);
  }
  return { value: toJsonData(value), duplicates };
}

/**
 * Over-estimates nesting: every [ or { outside a comment opens a level (brackets inside quoted or plain
 * scalars only make the estimate larger), and a line's block depth is bounded by its indentation plus
 * its compact "- " / "? " indicators.
 */
function checkYamlNesting(text: string): void {
  let flow = 0;
  let lineStart = true;
  let indent = 0;
  let prev = 0x0a;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x0a) {
      lineStart = true;
      indent = 0;
      prev = c;
      continue;
    }
    if (lineStart) {
      if (c === 0x20) {
        indent++;
        continue;
      }
      if ((c === 0x2d || c === 0x3f) && text.charCodeAt(i + 1) === 0x20) {
        indent++;
        i++;
        continue;
      }
      lineStart = false;
      if (indent > MAX_YAML_BLOCK_DEPTH) throw yamlError('exceeded max depth');
    }
    if (c === 0x23 && (prev === 0x20 || prev === 0x09 || prev === 0x0a)) {
      // Comment: skip to end of line.
      while (i + 1 < text.length && text.charCodeAt(i + 1) !== 0x0a) i++;
      continue;
    }
    if (c === 0x5b || c === 0x7b) {
      if (++flow > MAX_YAML_FLOW_DEPTH) throw yamlError('exceeded max depth');
    } else if ((c === 0x5d || c === 0x7d) && flow > 0) flow--;
    prev = c;
  }
}

function wrap(e: unknown) {
  const msg = e instanceof Error ? e.message : String(e);
  if (e instanceof RangeError || /call stack/i.test(msg)) return yamlError('exceeded max depth');
  if (/alias/i.test(msg) && /count|excessive|resource/i.test(msg)) return yamlError(`too many aliases (limit ${MAX_YAML_ALIASES}): ${msg}`);
  return yamlError(msg);
}

/**
 * Converts the yaml library's output to plain JSON data: refuses __proto__ keys, nesting past the JSON
 * limit and non-finite numbers; binary becomes base64, Map/Set become object/array. Iterative, so deep
 * documents cannot exhaust the stack here.
 */
function toJsonData(root: unknown): unknown {
  const wrapper = { v: root };
  const work: { holder: Record<string, unknown> | unknown[]; key: string | number; depth: number }[] = [{ holder: wrapper as unknown as Record<string, unknown>, key: 'v', depth: 0 }];
  while (work.length > 0) {
    const { holder, key, depth } = work.pop()!;
    let v = (holder as Record<string | number, unknown>)[key];
    if (v === null || typeof v === 'string' || typeof v === 'boolean') continue;
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) throw yamlError(`unsupported value: ${v}`);
      continue;
    }
    if (typeof v === 'bigint') {
      (holder as Record<string | number, unknown>)[key] = Number(v);
      continue;
    }
    if (v === undefined) {
      (holder as Record<string | number, unknown>)[key] = null;
      continue;
    }
    if (v instanceof Uint8Array) {
      (holder as Record<string | number, unknown>)[key] = Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
      continue;
    }
    if (v instanceof Date) {
      (holder as Record<string | number, unknown>)[key] = v.toISOString();
      continue;
    }
    if (v instanceof Set) v = [...v];
    else if (v instanceof Map) v = mapToObject(v);
    (holder as Record<string | number, unknown>)[key] = v;
    if (depth + 1 > MAX_JSON_DEPTH) throw yamlError('exceeded max depth');
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) work.push({ holder: v, key: i, depth: depth + 1 });
    } else if (typeof v === 'object') {
      const obj = v as Record<string, unknown>;
      if (Object.prototype.hasOwnProperty.call(obj, '__proto__')) throw protoKeyError();
      for (const k of Object.keys(obj)) work.push({ holder: obj, key: k, depth: depth + 1 });
    } else throw yamlError(`unsupported value of type ${typeof v}`);
  }
  return wrapper.v;
}

function mapToObject(m: Map<unknown, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of m) {
    const key = String(k);
    if (key === '__proto__') throw protoKeyError();
    out[key] = v;
  }
  return out;
}

/** Duplicate mapping keys with sigs.k8s.io/json-style paths (a.b[0].c); aliases are not followed. */
function findDuplicates(root: unknown): string[] {
  const out: string[] = [];
  const seenPaths = new Set<string>();
  const work: { node: unknown; path: string }[] = [{ node: root, path: '' }];
  while (work.length > 0 && out.length < 100) {
    const { node, path } = work.pop()!;
    if (isMap(node)) {
      const keys = new Set<string>();
      for (const item of node.items) {
        if (!isPair(item)) continue;
        const k = keyString(item.key as Node | null);
        const p = path ? `${path}.${k}` : k;
        if (keys.has(k)) {
          if (!seenPaths.has(p)) {
            seenPaths.add(p);
            out.push(p);
          }
        } else keys.add(k);
        work.push({ node: item.value, path: p });
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => work.push({ node: item, path: `${path}[${i}]` }));
    }
  }
  return out;
}

function keyString(key: Node | null): string {
  if (key === null) return 'null';
  if (isScalar(key)) return String(key.value);
  if (isAlias(key)) return `*${key.source}`;
  return String(key);
}
