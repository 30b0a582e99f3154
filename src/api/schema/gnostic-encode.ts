// Encodes a Swagger 2.0 document (plain JSON) as gnostic's `openapi.v2.Document` protobuf message,
// the only form kubectl accepts from /openapi/v2. It owns the wire layout of the gnostic messages
// (field numbers follow google/gnostic openapiv2/OpenAPIv2.proto) and the YAML text gnostic puts in
// `Any.yaml` for defaults, enums, examples and vendor extensions. It never builds or changes a
// document; unknown non-extension keys are dropped, as gnostic's compiler would reject them.

type Json = Record<string, unknown>;

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_BYTES = 2;

/** Growable protobuf writer. Nested messages are written in place; their length is inserted on end(). */
export class ProtoWriter {
  private buf: Buffer;
  private len = 0;

  constructor(initial = 1 << 16) {
    this.buf = Buffer.allocUnsafe(initial);
  }

  private ensure(extra: number): void {
    if (this.len + extra <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + extra) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }

  private rawVarint(n: number): void {
    this.ensure(10);
    const buf = this.buf;
    let pos = this.len;
    if (n < 0) {
      // int64 two's complement: ten bytes, as Go writes negative int64 values.
      let v = BigInt.asUintN(64, BigInt(Math.trunc(n)));
      while (v >= 0x80n) {
        buf[pos++] = Number(v & 0x7fn) | 0x80;
        v >>= 7n;
      }
      buf[pos++] = Number(v);
    } else {
      while (n >= 0x80) {
        buf[pos++] = (n % 0x80) | 0x80;
        n = Math.floor(n / 0x80);
      }
      buf[pos++] = n;
    }
    this.len = pos;
  }

  private key(field: number, wire: number): void {
    this.rawVarint(field * 8 + wire);
  }

  string(field: number, s: string): void {
    const n = Buffer.byteLength(s);
    this.key(field, WIRE_BYTES);
    this.rawVarint(n);
    this.ensure(n);
    this.len += this.buf.write(s, this.len, n, 'utf8');
  }

  bool(field: number, b: boolean): void {
    this.key(field, WIRE_VARINT);
    this.rawVarint(b ? 1 : 0);
  }

  int64(field: number, n: number): void {
    this.key(field, WIRE_VARINT);
    this.rawVarint(n);
  }

  double(field: number, x: number): void {
    this.key(field, WIRE_FIXED64);
    this.ensure(8);
    this.buf.writeDoubleLE(x, this.len);
    this.len += 8;
  }

  /** Opens a length-delimited sub-message; pass the returned mark to end(). */
  begin(field: number): number {
    this.key(field, WIRE_BYTES);
    return this.len;
  }

  end(mark: number): void {
    const size = this.len - mark;
    let prefix = 1;
    for (let v = size; v >= 0x80; v = Math.floor(v / 0x80)) prefix++;
    this.ensure(prefix);
    this.buf.copyWithin(mark + prefix, mark, this.len);
    const bodyEnd = this.len + prefix;
    this.len = mark;
    this.rawVarint(size);
    this.len = bodyEnd;
  }

  finish(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.len));
  }
}

// ---------------------------------------------------------------------------------------------
// YAML text for Any.yaml. Readers are Go YAML 1.1 parsers, so strings that 1.1 would read as
// booleans, numbers or null are quoted; a JSON string literal is a valid YAML double-quoted scalar.

const PLAIN = /^[A-Za-z_/][A-Za-z0-9_./-]*(?:[ ,][A-Za-z0-9_./()-]+)*$/;
const YAML11_RESERVED = /^(?:y|n|yes|no|on|off|true|false|null|~)$/i;

function yamlScalar(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : v > 0 ? '.inf' : v < 0 ? '-.inf' : '.nan';
  const s = String(v);
  return PLAIN.test(s) && !YAML11_RESERVED.test(s) ? s : JSON.stringify(s);
}

function isEmptyCollection(v: unknown): boolean {
  return Array.isArray(v) ? v.length === 0 : v !== null && typeof v === 'object' && Object.keys(v).length === 0;
}

function isScalar(v: unknown): boolean {
  return v === null || typeof v !== 'object';
}

function inlineValue(v: unknown): string {
  if (isScalar(v)) return yamlScalar(v);
  return Array.isArray(v) ? '[]' : '{}';
}

function yamlBlock(v: unknown, indent: number, out: string[]): void {
  const pad = ' '.repeat(indent);
  if (Array.isArray(v)) {
    for (const item of v) {
      if (isScalar(item) || isEmptyCollection(item)) {
        out.push(`${pad}- ${inlineValue(item)}\n`);
      } else {
        const nested: string[] = [];
        yamlBlock(item, indent + 2, nested);
        nested[0] = `${pad}- ${nested[0]!.slice(indent + 2)}`;
        out.push(...nested);
      }
    }
    return;
  }
  for (const [k, val] of Object.entries(v as Json)) {
    const key = yamlScalar(k);
    if (isScalar(val) || isEmptyCollection(val)) out.push(`${pad}${key}: ${inlineValue(val)}\n`);
    else {
      out.push(`${pad}${key}:\n`);
      yamlBlock(val, indent + 2, out);
    }
  }
}

/** The YAML document gnostic stores for a JSON value (block style, trailing newline). */
export function toYamlText(v: unknown): string {
  if (isScalar(v) || isEmptyCollection(v)) return `${inlineValue(v)}\n`;
  const out: string[] = [];
  yamlBlock(v, 0, out);
  return out.join('');
}

// ---------------------------------------------------------------------------------------------
// Table-driven message encoders. Proto3 semantics: zero scalars are omitted, present messages
// (even empty ones) are written, oneof members are written even when zero.

type Enc = (w: ProtoWriter, field: number, value: unknown) => void;
type MessageEnc = (w: ProtoWriter, value: Json) => void;
/** [JSON key, field number, encoder]; key "x-" stands for the vendor extensions. */
type FieldSpec = readonly [string, number, Enc];

const VENDOR = 'x-';
/** Placeholder encoder for the VENDOR entry; message() writes the extensions itself. */
const vendor: Enc = () => {};

const str: Enc = (w, f, v) => {
  if (typeof v === 'string' && v !== '') w.string(f, v);
};
const bool: Enc = (w, f, v) => {
  if (v === true) w.bool(f, true);
};
const f64: Enc = (w, f, v) => {
  if (typeof v === 'number' && v !== 0) w.double(f, v);
};
const i64: Enc = (w, f, v) => {
  if (typeof v === 'number' && v !== 0) w.int64(f, v);
};
const strs: Enc = (w, f, v) => {
  if (Array.isArray(v)) for (const s of v) w.string(f, String(s));
};
const any: Enc = (w, f, v) => {
  const m = w.begin(f);
  w.string(2, toYamlText(v));
  w.end(m);
};
const anys: Enc = (w, f, v) => {
  if (Array.isArray(v)) for (const item of v) any(w, f, item);
};

function isObject(v: unknown): v is Json {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function msg(enc: () => MessageEnc): Enc {
  return (w, f, v) => {
    if (!isObject(v)) return;
    const m = w.begin(f);
    enc()(w, v);
    w.end(m);
  };
}

function repeated(enc: () => MessageEnc): Enc {
  const one = msg(enc);
  return (w, f, v) => {
    if (!Array.isArray(v)) return;
    for (const item of v) one(w, f, item);
  };
}

/** A JSON map as gnostic's repeated Named<X> {name = 1; value = 2}. */
function named(value: Enc, keep: (key: string) => boolean = () => true): Enc {
  return (w, f, v) => {
    if (!isObject(v)) return;
    for (const [k, val] of Object.entries(v)) {
      if (!keep(k)) continue;
      const m = w.begin(f);
      w.string(1, k);
      value(w, 2, val);
      w.end(m);
    }
  };
}

/** A JSON map wrapped in a message whose field 1 holds the Named<X> entries (Definitions, Properties...). */
function namedMap(value: Enc): Enc {
  const entries = named(value);
  return (w, f, v) => {
    if (!isObject(v)) return;
    const m = w.begin(f);
    entries(w, 1, v);
    w.end(m);
  };
}

function message(fields: readonly FieldSpec[]): MessageEnc {
  return (w, v) => {
    for (const [key, no, enc] of fields) {
      if (key === VENDOR) {
        vendorExtensions(w, no, v);
        continue;
      }
      const val = v[key];
      if (val !== undefined) enc(w, no, val);
    }
  };
}

function vendorExtensions(w: ProtoWriter, field: number, v: Json): void {
  for (const [k, val] of Object.entries(v)) {
    if (!k.startsWith(VENDOR) || val === undefined) continue;
    const m = w.begin(field);
    w.string(1, k);
    any(w, 2, val);
    w.end(m);
  }
}

/** Wraps a value as the single member of a oneof message. */
function oneof(pick: (v: unknown) => [number, Enc] | undefined): Enc {
  return (w, f, v) => {
    const chosen = pick(v);
    if (!chosen) return;
    const m = w.begin(f);
    chosen[1](w, chosen[0], v);
    w.end(m);
  };
}

const externalDocs = message([['description', 1, str], ['url', 2, str], [VENDOR, 3, vendor]]);
const xml = message([
  ['name', 1, str], ['namespace', 2, str], ['prefix', 3, str], ['attribute', 4, bool], ['wrapped', 5, bool], [VENDOR, 6, vendor],
]);

const typeItem: Enc = (w, f, v) => {
  const m = w.begin(f);
  strs(w, 1, typeof v === 'string' ? [v] : v);
  w.end(m);
};

const schemas = repeated(() => schema);
const itemsItem: Enc = (w, f, v) => {
  const m = w.begin(f);
  schemas(w, 1, Array.isArray(v) ? v : [v]);
  w.end(m);
};

const additionalProperties: Enc = oneof((v) =>
  typeof v === 'boolean' ? [2, (w, f, b) => w.bool(f, b as boolean)] : isObject(v) ? [1, msg(() => schema)] : undefined,
);

const schema: MessageEnc = message([
  ['$ref', 1, str],
  ['format', 2, str],
  ['title', 3, str],
  ['description', 4, str],
  ['default', 5, any],
  ['multipleOf', 6, f64],
  ['maximum', 7, f64],
  ['exclusiveMaximum', 8, bool],
  ['minimum', 9, f64],
  ['exclusiveMinimum', 10, bool],
  ['maxLength', 11, i64],
  ['minLength', 12, i64],
  ['pattern', 13, str],
  ['maxItems', 14, i64],
  ['minItems', 15, i64],
  ['uniqueItems', 16, bool],
  ['maxProperties', 17, i64],
  ['minProperties', 18, i64],
  ['required', 19, strs],
  ['enum', 20, anys],
  ['additionalProperties', 21, additionalProperties],
  ['type', 22, typeItem],
  ['items', 23, itemsItem],
  ['allOf', 24, schemas],
  ['properties', 25, namedMap(msg(() => schema))],
  ['discriminator', 26, str],
  ['readOnly', 27, bool],
  ['xml', 28, msg(() => xml)],
  ['externalDocs', 29, msg(() => externalDocs)],
  ['example', 30, any],
  [VENDOR, 31, vendor],
]);

const fileSchema = message([
  ['format', 1, str], ['title', 2, str], ['description', 3, str], ['default', 4, any], ['required', 5, strs],
  ['type', 6, str], ['readOnly', 7, bool], ['externalDocs', 8, msg(() => externalDocs)], ['example', 9, any], [VENDOR, 10, vendor],
]);

/** PrimitivesItems, Header and the non-body parameter sub-schemas share this run of fields. */
function primitiveFields(first: number): FieldSpec[] {
  const names: [string, Enc][] = [
    ['type', str], ['format', str], ['items', msg(() => primitivesItems)], ['collectionFormat', str], ['default', any],
    ['maximum', f64], ['exclusiveMaximum', bool], ['minimum', f64], ['exclusiveMinimum', bool], ['maxLength', i64],
    ['minLength', i64], ['pattern', str], ['maxItems', i64], ['minItems', i64], ['uniqueItems', bool], ['enum', anys],
    ['multipleOf', f64],
  ];
  return names.map(([k, enc], i) => [k, first + i, enc] as const);
}

const primitivesItems: MessageEnc = message([...primitiveFields(1), [VENDOR, 18, vendor]]);
const header = message([...primitiveFields(1), ['description', 18, str], [VENDOR, 19, vendor]]);

const paramHead: FieldSpec[] = [['required', 1, bool], ['in', 2, str], ['description', 3, str], ['name', 4, str]];
/** Query and formData parameters carry allowEmptyValue at 5; header and path ones do not. */
const queryParam = message([...paramHead, ['allowEmptyValue', 5, bool], ...primitiveFields(6), [VENDOR, 23, vendor]]);
const pathParam = message([...paramHead, ...primitiveFields(5), [VENDOR, 22, vendor]]);

const bodyParam = message([
  ['description', 1, str], ['name', 2, str], ['in', 3, str], ['required', 4, bool], ['schema', 5, msg(() => schema)], [VENDOR, 6, vendor],
]);

/** NonBodyParameter's oneof member per `in`; header and path sub-schemas share a layout, as do query and formData. */
const NON_BODY: Record<string, [number, Enc]> = {
  header: [1, msg(() => pathParam)],
  formData: [2, msg(() => queryParam)],
  query: [3, msg(() => queryParam)],
  path: [4, msg(() => pathParam)],
};

const nonBodyParam: Enc = oneof((v) => NON_BODY[(v as Json).in as string]);

const parameter: Enc = oneof((v) => {
  if (!isObject(v)) return undefined;
  return v.in === 'body' ? [1, msg(() => bodyParam)] : [2, nonBodyParam];
});

const jsonReference = message([['$ref', 1, str], ['description', 2, str]]);

const parametersItem: Enc = oneof((v) => {
  if (!isObject(v)) return undefined;
  return typeof v.$ref === 'string' ? [2, msg(() => jsonReference)] : [1, parameter];
});

const schemaItem: Enc = oneof((v) => {
  if (!isObject(v)) return undefined;
  return v.type === 'file' ? [2, msg(() => fileSchema)] : [1, msg(() => schema)];
});

const response = message([
  ['description', 1, str],
  ['schema', 2, schemaItem],
  ['headers', 3, namedMap(msg(() => header))],
  ['examples', 4, namedMap(any)],
  [VENDOR, 5, vendor],
]);

const responseValue: Enc = oneof((v) => {
  if (!isObject(v)) return undefined;
  return typeof v.$ref === 'string' ? [2, msg(() => jsonReference)] : [1, msg(() => response)];
});

const responses: Enc = (w, f, v) => {
  if (!isObject(v)) return;
  const m = w.begin(f);
  named(responseValue, (k) => !k.startsWith(VENDOR))(w, 1, v);
  vendorExtensions(w, 2, v);
  w.end(m);
};

const stringArray: Enc = (w, f, v) => {
  const m = w.begin(f);
  strs(w, 1, v);
  w.end(m);
};
const securityRequirements: Enc = (w, f, v) => {
  if (!Array.isArray(v)) return;
  for (const req of v) {
    if (!isObject(req)) continue;
    const m = w.begin(f);
    named(stringArray)(w, 1, req);
    w.end(m);
  }
};

const operation = message([
  ['tags', 1, strs],
  ['summary', 2, str],
  ['description', 3, str],
  ['externalDocs', 4, msg(() => externalDocs)],
  ['operationId', 5, str],
  ['produces', 6, strs],
  ['consumes', 7, strs],
  ['parameters', 8, (w, f, v) => Array.isArray(v) && v.forEach((p) => parametersItem(w, f, p))],
  ['responses', 9, responses],
  ['schemes', 10, strs],
  ['deprecated', 11, bool],
  ['security', 12, securityRequirements],
  [VENDOR, 13, vendor],
]);

const pathItem = message([
  ['$ref', 1, str],
  ['get', 2, msg(() => operation)],
  ['put', 3, msg(() => operation)],
  ['post', 4, msg(() => operation)],
  ['delete', 5, msg(() => operation)],
  ['options', 6, msg(() => operation)],
  ['head', 7, msg(() => operation)],
  ['patch', 8, msg(() => operation)],
  ['parameters', 9, (w, f, v) => Array.isArray(v) && v.forEach((p) => parametersItem(w, f, p))],
  [VENDOR, 10, vendor],
]);

const paths: Enc = (w, f, v) => {
  if (!isObject(v)) return;
  const m = w.begin(f);
  vendorExtensions(w, 1, v);
  named(msg(() => pathItem), (k) => !k.startsWith(VENDOR))(w, 2, v);
  w.end(m);
};

const apiKeySecurity = message([['type', 1, str], ['name', 2, str], ['in', 3, str], ['description', 4, str], [VENDOR, 5, vendor]]);
const basicSecurity = message([['type', 1, str], ['description', 2, str], [VENDOR, 3, vendor]]);

/** Only basic and apiKey schemes are encoded; Kubernetes publishes nothing else. */
const securityDefinitionsItem: Enc = oneof((v) => {
  if (!isObject(v)) return undefined;
  if (v.type === 'basic') return [1, msg(() => basicSecurity)];
  if (v.type === 'apiKey') return [2, msg(() => apiKeySecurity)];
  return undefined;
});

const contact = message([['name', 1, str], ['url', 2, str], ['email', 3, str], [VENDOR, 4, vendor]]);
const license = message([['name', 1, str], ['url', 2, str], [VENDOR, 3, vendor]]);
const info = message([
  ['title', 1, str], ['version', 2, str], ['description', 3, str], ['termsOfService', 4, str],
  ['contact', 5, msg(() => contact)], ['license', 6, msg(() => license)], [VENDOR, 7, vendor],
]);
const tag = message([['name', 1, str], ['description', 2, str], ['externalDocs', 3, msg(() => externalDocs)], [VENDOR, 4, vendor]]);

const document = message([
  ['swagger', 1, str],
  ['info', 2, msg(() => info)],
  ['host', 3, str],
  ['basePath', 4, str],
  ['schemes', 5, strs],
  ['consumes', 6, strs],
  ['produces', 7, strs],
  ['paths', 8, paths],
  ['definitions', 9, namedMap(msg(() => schema))],
  ['parameters', 10, namedMap(parameter)],
  ['responses', 11, namedMap(msg(() => response))],
  ['security', 12, securityRequirements],
  ['securityDefinitions', 13, namedMap(securityDefinitionsItem)],
  ['tags', 14, repeated(() => tag)],
  ['externalDocs', 15, msg(() => externalDocs)],
  [VENDOR, 16, vendor],
]);

/** The gnostic `openapi.v2.Document` bytes of a Swagger 2.0 JSON document. */
export function encodeGnosticDocument(doc: object): Buffer {
  const w = new ProtoWriter(1 << 20);
  document(w, doc as Json);
  return w.finish();
}
