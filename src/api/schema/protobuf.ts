// Decodes Kubernetes protobuf request bodies ("k8s\0" + runtime.Unknown) into the plain JSON object
// model, the same object upstream's Go JSON encoder would print for the decoded Go struct. Owns the
// wire-to-JSON mapping only; it never validates, defaults or looks at the request URL.
//
// The zero-value rule (documented because the wire cannot say it): gogo-protobuf writes every
// non-pointer Go field, even when empty, and omits nil pointers, empty slices and empty maps. The
// message table carries each field's Go facts (pointer, omitempty, inlined), so a field is emitted
// exactly when encoding/json would emit it:
//  - pointer fields: present on the wire → kept, even when 0/false/"" (e.g. replicas: 0);
//    absent → omitted (omitempty) or null.
//  - non-pointer scalars: dropped when zero and omitempty, else kept (e.g. containerPort, name: "").
//  - non-pointer structs: always emitted ({} for status, strategy, resources), as Go never omits structs;
//    zero Time/MicroTime print null (creationTimestamp: null), like kubectl's own JSON.
//  - slices/maps: dropped when empty and omitempty, else null when absent.

import { errors } from '../errors.js';
import { FieldDesc, Kind, MessageDesc, Special, messageDesc } from './protobuf-messages.js';
import { WIRE_BYTES, WIRE_FIXED32, WIRE_FIXED64, WIRE_VARINT, WireReader, malformed } from './protobuf-wire.js';
import { decodeJsonBody } from '../decode/json.js';

export interface DecodedProtobuf {
  apiVersion: string;
  kind: string;
  object: Record<string, unknown>;
}

/** The four bytes that open every Kubernetes protobuf body. */
export const KUBE_PROTOBUF_MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

/** Nested messages deeper than this are refused; legitimate objects stay far below it. */
export const MAX_PROTOBUF_DEPTH = 500;

/**
 * Decodes `k8s\0` + runtime.Unknown. `defaults` fills apiVersion/kind when the envelope leaves them
 * empty (upstream falls back to the GVK of the request path in that case).
 */
export function decodeKubeProtobuf(body: Buffer, defaults?: { apiVersion?: string; kind?: string }): DecodedProtobuf {
  return decodeEnvelope(body, defaults, 0);
}

function decodeEnvelope(body: Buffer, defaults: { apiVersion?: string; kind?: string } | undefined, depth: number): DecodedProtobuf {
  if (body.length < 4 || body[0] !== 0x6b || body[1] !== 0x38 || body[2] !== 0x73 || body[3] !== 0x00) {
    throw errors.badRequest('unable to decode protobuf body: missing the "k8s\\x00" prefix');
  }
  const r = new WireReader(body, 4, body.length);
  let apiVersion = '';
  let kind = '';
  let rawStart = 0;
  let rawEnd = 0;
  let contentEncoding = '';
  while (!r.done()) {
    const tag = r.tag();
    const wt = tag & 7;
    const num = tag >>> 3;
    if (wt !== WIRE_BYTES) {
      r.skip(wt);
      continue;
    }
    if (num === 1) {
      const start = r.span();
      const tm = new WireReader(body, start, r.pos);
      while (!tm.done()) {
        const t = tm.tag();
        if ((t & 7) !== WIRE_BYTES) tm.skip(t & 7);
        else if (t >>> 3 === 1) apiVersion = tm.string();
        else if (t >>> 3 === 2) kind = tm.string();
        else tm.skip(WIRE_BYTES);
      }
    } else if (num === 2) {
      rawStart = r.span();
      rawEnd = r.pos;
    } else if (num === 3) contentEncoding = r.string();
    else r.skip(wt);
  }
  if (contentEncoding) throw errors.badRequest(`unable to decode protobuf body: unsupported content encoding "${contentEncoding}"`);
  apiVersion ||= defaults?.apiVersion ?? '';
  kind ||= defaults?.kind ?? '';
  if (!kind || !apiVersion) throw errors.badRequest('unable to decode protobuf body: Object \'Kind\' is missing');
  const desc = messageForKind(apiVersion, kind);
  if (!desc) throw errors.badRequest(`no kind "${kind}" is registered for version "${apiVersion}"`);
  const decoded = decodeMessage(body, rawStart, rawEnd, desc, depth + 1) as Record<string, unknown>;
  // TypeMeta is inlined first in upstream's JSON.
  const object: Record<string, unknown> = { kind, apiVersion };
  for (const key in decoded) if (key !== 'kind' && key !== 'apiVersion') object[key] = decoded[key];
  return { apiVersion, kind, object };
}

const META_PACKAGE = 'k8s.io.apimachinery.pkg.apis.meta.v1';
const GROUP_PACKAGES: Record<string, string> = {
  'apiextensions.k8s.io': 'k8s.io.apiextensions_apiserver.pkg.apis.apiextensions',
  'internal.apiserver.k8s.io': 'k8s.io.api.apiserverinternal',
  'meta.k8s.io': 'k8s.io.apimachinery.pkg.apis.meta',
};

/** Proto package for an API group: "apps" → k8s.io.api.apps, "rbac.authorization.k8s.io" → k8s.io.api.rbac. */
export function protoPackageForGroupVersion(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  if (slash < 0) return `k8s.io.api.core.${apiVersion}`;
  const group = apiVersion.slice(0, slash);
  const version = apiVersion.slice(slash + 1);
  const known = GROUP_PACKAGES[group];
  if (known) return `${known}.${version}`;
  const first = group.split('.')[0];
  return `k8s.io.api.${first}.${version}`;
}

/** The message for apiVersion/kind; meta types (DeleteOptions, Status, ...) are valid in every group. */
export function messageForKind(apiVersion: string, kind: string): MessageDesc | undefined {
  return messageDesc(`${protoPackageForGroupVersion(apiVersion)}.${kind}`) ?? messageDesc(`${META_PACKAGE}.${kind}`);
}

/** Decodes one message payload [start, end) into its JSON value. */
export function decodeMessage(buf: Buffer, start: number, end: number, desc: MessageDesc, depth: number): unknown {
  if (depth > MAX_PROTOBUF_DEPTH) throw malformed(`nesting exceeds ${MAX_PROTOBUF_DEPTH} levels`);
  if (desc.special !== Special.None) return decodeSpecial(buf, start, end, desc, depth);
  const fields = desc.fields;
  const slot = desc.slot;
  const vals: unknown[] = new Array(fields.length);
  const r = new WireReader(buf, start, end);
  while (r.pos < end) {
    const tag = r.tag();
    const wt = tag & 7;
    const num = tag >>> 3;
    const i = num < slot.length ? slot[num] : -1;
    if (i < 0) {
      r.skip(wt);
      continue;
    }
    const f = fields[i];
    if (f.kind === Kind.Map) {
      expectWire(wt, WIRE_BYTES, f);
      const obj = (vals[i] ??= {}) as Record<string, unknown>;
      readMapEntry(r, f, obj, depth);
    } else if (f.repeated) {
      const arr = (vals[i] ??= []) as unknown[];
      if (wt === WIRE_BYTES && isPackable(f.kind)) {
        const s = r.span();
        const packed = new WireReader(buf, s, r.pos);
        while (!packed.done()) arr.push(readScalar(packed, f.kind));
      } else arr.push(readValue(r, wt, f, depth));
    } else {
      vals[i] = readValue(r, wt, f, depth);
    }
  }
  const out: Record<string, unknown> = {};
  for (let i = 0; i < fields.length; i++) emitField(out, fields[i], vals[i], depth);
  return out;
}

function emitField(out: Record<string, unknown>, f: FieldDesc, v: unknown, depth: number): void {
  if (f.inline) {
    const sub = (v ?? zeroMessage(f, depth)) as Record<string, unknown>;
    for (const key in sub) out[key] = sub[key];
    return;
  }
  const name = f.jsonName;
  if (v === undefined) {
    if (f.repeated || f.kind === Kind.Map || f.kind === Kind.Bytes || f.pointer) {
      if (!f.omitempty) out[name] = null;
    } else if (f.kind === Kind.Message) {
      const zero = zeroMessage(f, depth);
      if (zero === null && f.omitempty && isListMessage(f)) return;
      out[name] = zero;
    } else if (!f.omitempty) out[name] = zeroScalar(f.kind);
    return;
  }
  if (f.omitempty && !f.pointer) {
    if (f.repeated || f.kind === Kind.Bytes) {
      if ((v as { length: number }).length === 0) return;
    } else if (f.kind === Kind.Map) {
      for (const _ in v as object) {
        out[name] = v;
        return;
      }
      return;
    } else if (f.kind === Kind.Message) {
      if (v === null && isListMessage(f)) return;
    } else if (v === '' || v === 0 || v === false) return;
  }
  out[name] = v;
}

function isListMessage(f: FieldDesc): boolean {
  return messageDesc(f.message!)?.special === Special.List;
}

function zeroMessage(f: FieldDesc, depth: number): unknown {
  return decodeMessage(EMPTY, 0, 0, requireDesc(f.message!), depth + 1);
}

const EMPTY = Buffer.alloc(0);

function zeroScalar(kind: Kind): unknown {
  return kind === Kind.String ? '' : kind === Kind.Bool ? false : 0;
}

function requireDesc(name: string): MessageDesc {
  const d = messageDesc(name);
  if (!d) throw errors.internal(`protobuf message ${name} is missing from the message table`);
  return d;
}

function isPackable(kind: Kind): boolean {
  return kind !== Kind.String && kind !== Kind.Bytes && kind !== Kind.Message && kind !== Kind.Map;
}

function expectWire(actual: number, expected: number, f: FieldDesc): void {
  if (actual !== expected) throw malformed(`field ${f.jsonName || f.number} has wire type ${actual}, expected ${expected}`);
}

function wireTypeOf(kind: Kind): number {
  switch (kind) {
    case Kind.Double:
      return WIRE_FIXED64;
    case Kind.Float:
      return WIRE_FIXED32;
    case Kind.Bool:
    case Kind.Int32:
    case Kind.Int64:
    case Kind.Uint32:
    case Kind.Uint64:
      return WIRE_VARINT;
    default:
      return WIRE_BYTES;
  }
}

function readValue(r: WireReader, wt: number, f: FieldDesc, depth: number): unknown {
  expectWire(wt, wireTypeOf(f.kind), f);
  if (f.kind === Kind.Message) {
    const s = r.span();
    return decodeMessage(r.buf, s, r.pos, requireDesc(f.message!), depth + 1);
  }
  return readScalar(r, f.kind);
}

function readScalar(r: WireReader, kind: Kind): unknown {
  switch (kind) {
    case Kind.String:
      return r.string();
    case Kind.Bytes: {
      const s = r.span();
      return r.buf.toString('base64', s, r.pos);
    }
    case Kind.Bool:
      return r.varint64() !== 0;
    case Kind.Int32:
      return r.varint32() | 0;
    case Kind.Uint32:
      return r.varint32();
    case Kind.Int64:
      return r.varint64();
    case Kind.Uint64: {
      const v = r.varint64();
      return v < 0 ? v + 18446744073709551616 : v;
    }
    case Kind.Double:
      return r.double();
    case Kind.Float:
      return r.float();
    default:
      throw malformed(`unexpected scalar kind ${kind}`);
  }
}

function readMapEntry(r: WireReader, f: FieldDesc, obj: Record<string, unknown>, depth: number): void {
  const s = r.span();
  const e = new WireReader(r.buf, s, r.pos);
  let key = '';
  let value: unknown;
  const vk = f.mapValue!;
  while (!e.done()) {
    const tag = e.tag();
    const wt = tag & 7;
    const num = tag >>> 3;
    if (num === 1 && wt === WIRE_BYTES) key = e.string();
    else if (num === 2) {
      if (vk === Kind.Message) {
        expectWire(wt, WIRE_BYTES, f);
        const vs = e.span();
        value = decodeMessage(e.buf, vs, e.pos, requireDesc(f.message!), depth + 1);
      } else {
        expectWire(wt, wireTypeOf(vk), f);
        value = readScalar(e, vk);
      }
    } else e.skip(wt);
  }
  if (key === '__proto__') throw errors.badRequest(`unable to decode protobuf body: "__proto__" is not allowed as a key in ${f.jsonName}`);
  if (value === undefined) value = vk === Kind.Message ? decodeMessage(EMPTY, 0, 0, requireDesc(f.message!), depth + 1) : zeroScalar(vk);
  obj[key] = value;
}

// ---- messages with hand-written Go JSON marshalers ----

function decodeSpecial(buf: Buffer, start: number, end: number, desc: MessageDesc, depth: number): unknown {
  const r = new WireReader(buf, start, end);
  switch (desc.special) {
    case Special.Time:
    case Special.MicroTime: {
      // Upstream treats an empty payload as the zero time, which marshals to null.
      if (start === end) return null;
      let seconds = 0;
      let nanos = 0;
      while (!r.done()) {
        const tag = r.tag();
        if (tag === 8) seconds = r.varint64();
        else if (tag === 16) nanos = r.varint32() | 0;
        else r.skip(tag & 7);
      }
      return desc.special === Special.Time ? formatTime(seconds) : formatMicroTime(seconds, nanos);
    }
    case Special.Duration: {
      let ns = 0;
      while (!r.done()) {
        const tag = r.tag();
        if (tag === 8) ns = r.varint64();
        else r.skip(tag & 7);
      }
      return formatGoDuration(ns);
    }
    case Special.Quantity: {
      let s = '';
      while (!r.done()) {
        const tag = r.tag();
        if (tag === 10) s = r.string();
        else r.skip(tag & 7);
      }
      return s === '' ? '0' : s;
    }
    case Special.IntOrString: {
      let type = 0;
      let intVal = 0;
      let strVal = '';
      while (!r.done()) {
        const tag = r.tag();
        if (tag === 8) type = r.varint64();
        else if (tag === 16) intVal = r.varint32() | 0;
        else if (tag === 26) strVal = r.string();
        else r.skip(tag & 7);
      }
      return type === 1 ? strVal : intVal;
    }
    case Special.RawExtension:
    case Special.FieldsV1:
    case Special.Json: {
      let raw: Buffer | undefined;
      while (!r.done()) {
        const tag = r.tag();
        if (tag === 10) {
          const s = r.span();
          raw = buf.subarray(s, r.pos);
        } else r.skip(tag & 7);
      }
      if (!raw || raw.length === 0) return null;
      if (desc.special === Special.RawExtension && raw.length >= 4 && raw[0] === 0x6b && raw[1] === 0x38 && raw[2] === 0x73 && raw[3] === 0x00) {
        return decodeEnvelope(raw, undefined, depth).object;
      }
      return decodeJsonBody(raw).value;
    }
    case Special.SchemaOrArray:
    case Special.SchemaOrBool:
    case Special.SchemaOrStringArray: {
      let schema: unknown;
      let allows = false;
      const list: unknown[] = [];
      const schemaDesc = requireDesc(desc.fields.find((f) => f.number === (desc.special === Special.SchemaOrBool ? 2 : 1))!.message!);
      while (!r.done()) {
        const tag = r.tag();
        const num = tag >>> 3;
        const isSchema = desc.special === Special.SchemaOrBool ? num === 2 : num === 1;
        if (isSchema && (tag & 7) === WIRE_BYTES) {
          const s = r.span();
          schema = decodeMessage(buf, s, r.pos, schemaDesc, depth + 1);
        } else if (desc.special === Special.SchemaOrBool && tag === 8) allows = r.varint64() !== 0;
        else if (desc.special === Special.SchemaOrArray && tag === 18) {
          const s = r.span();
          list.push(decodeMessage(buf, s, r.pos, schemaDesc, depth + 1));
        } else if (desc.special === Special.SchemaOrStringArray && tag === 18) list.push(r.string());
        else r.skip(tag & 7);
      }
      if (desc.special === Special.SchemaOrBool) return schema ?? allows;
      if (list.length > 0) return list;
      return schema ?? null;
    }
    case Special.List: {
      const items: unknown[] = [];
      while (!r.done()) {
        const tag = r.tag();
        if (tag === 10) items.push(r.string());
        else r.skip(tag & 7);
      }
      return items.length ? items : null;
    }
    default:
      throw errors.internal(`unhandled protobuf special ${desc.special}`);
  }
}

/** RFC3339 with seconds precision, as metav1.Time marshals. */
export function formatTime(seconds: number): string {
  return new Date(seconds * 1000).toISOString().slice(0, 19) + 'Z';
}

/** RFC3339 with exactly six fractional digits, as metav1.MicroTime marshals. */
export function formatMicroTime(seconds: number, nanos: number): string {
  const micros = Math.floor(nanos / 1000);
  return new Date(seconds * 1000).toISOString().slice(0, 19) + '.' + String(micros).padStart(6, '0') + 'Z';
}

/** Go's time.Duration.String(): "1h2m3.5s", "150ms", "0s". */
export function formatGoDuration(ns: number): string {
  if (ns === 0) return '0s';
  const neg = ns < 0;
  let u = Math.abs(ns);
  let text: string;
  if (u < 1e9) {
    if (u < 1e3) text = `${u}ns`;
    else if (u < 1e6) text = withFraction(u, 3) + 'µs';
    else text = withFraction(u, 6) + 'ms';
  } else {
    const frac = u % 1e9;
    u = Math.floor(u / 1e9);
    const secs = u % 60;
    const mins = Math.floor(u / 60) % 60;
    const hours = Math.floor(u / 3600);
    text = (hours > 0 ? `${hours}h` : '') + (hours > 0 || mins > 0 ? `${mins}m` : '') + withFraction(secs * 1e9 + frac, 9) + 's';
  }
  return neg ? '-' + text : text;
}

function withFraction(v: number, digits: number): string {
  const scale = 10 ** digits;
  const whole = Math.floor(v / scale);
  const frac = v % scale;
  if (frac === 0) return String(whole);
  return `${whole}.${String(frac).padStart(digits, '0').replace(/0+$/, '')}`;
}
