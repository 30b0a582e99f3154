import { test } from 'node:test';
import assert from 'node:assert/strict';
import protobuf from 'protobufjs';
import YAML from 'yaml';
import { SchemaRegistry } from '../../src/api/schema/registry.js';
import { builtinResources } from '../../src/api/registry/builtin.js';
import { buildOpenAPIv2, openAPIv2Protobuf, toV2Schema } from '../../src/api/schema/openapi-v2.js';
import { encodeGnosticDocument, toYamlText } from '../../src/api/schema/gnostic-encode.js';
import type { SchemaNode } from '../../src/api/schema/types.js';

// Test oracle: the gnostic openapi.v2 messages the encoder writes, with the field numbers of
// google/gnostic openapiv2/OpenAPIv2.proto, decoded by protobufjs independently of our writer.
const ANY_PROTO = `syntax = "proto3"; package google.protobuf; message Any { string type_url = 1; bytes value = 2; }`;
const GNOSTIC_PROTO = `
syntax = "proto3";
package openapi.v2;
message AdditionalPropertiesItem { oneof oneof { Schema schema = 1; bool boolean = 2; } }
message Any { google.protobuf.Any value = 1; string yaml = 2; }
message ApiKeySecurity { string type = 1; string name = 2; string in = 3; string description = 4; repeated NamedAny vendor_extension = 5; }
message BasicAuthenticationSecurity { string type = 1; string description = 2; repeated NamedAny vendor_extension = 3; }
message BodyParameter { string description = 1; string name = 2; string in = 3; bool required = 4; Schema schema = 5; repeated NamedAny vendor_extension = 6; }
message Definitions { repeated NamedSchema additional_properties = 1; }
message Document {
  string swagger = 1; Info info = 2; string host = 3; string base_path = 4; repeated string schemes = 5;
  repeated string consumes = 6; repeated string produces = 7; Paths paths = 8; Definitions definitions = 9;
  repeated SecurityRequirement security = 12; SecurityDefinitions security_definitions = 13;
  repeated NamedAny vendor_extension = 16;
}
message Info { string title = 1; string version = 2; string description = 3; repeated NamedAny vendor_extension = 7; }
message ItemsItem { repeated Schema schema = 1; }
message JsonReference { string _ref = 1; string description = 2; }
message NamedAny { string name = 1; Any value = 2; }
message NamedPathItem { string name = 1; PathItem value = 2; }
message NamedResponseValue { string name = 1; ResponseValue value = 2; }
message NamedSchema { string name = 1; Schema value = 2; }
message NamedSecurityDefinitionsItem { string name = 1; SecurityDefinitionsItem value = 2; }
message NamedStringArray { string name = 1; StringArray value = 2; }
message NonBodyParameter { oneof oneof {
  HeaderParameterSubSchema header_parameter_sub_schema = 1; QueryParameterSubSchema form_data_parameter_sub_schema = 2;
  QueryParameterSubSchema query_parameter_sub_schema = 3; PathParameterSubSchema path_parameter_sub_schema = 4; } }
message HeaderParameterSubSchema { bool required = 1; string in = 2; string description = 3; string name = 4; string type = 5; string format = 6; bool unique_items = 19; repeated NamedAny vendor_extension = 22; }
message PathParameterSubSchema { bool required = 1; string in = 2; string description = 3; string name = 4; string type = 5; string format = 6; bool unique_items = 19; repeated NamedAny vendor_extension = 22; }
message QueryParameterSubSchema { bool required = 1; string in = 2; string description = 3; string name = 4; bool allow_empty_value = 5; string type = 6; string format = 7; bool unique_items = 20; repeated NamedAny vendor_extension = 23; }
message Operation {
  repeated string tags = 1; string summary = 2; string description = 3; string operation_id = 5; repeated string produces = 6;
  repeated string consumes = 7; repeated ParametersItem parameters = 8; Responses responses = 9; repeated string schemes = 10;
  bool deprecated = 11; repeated NamedAny vendor_extension = 13;
}
message Parameter { oneof oneof { BodyParameter body_parameter = 1; NonBodyParameter non_body_parameter = 2; } }
message ParametersItem { oneof oneof { Parameter parameter = 1; JsonReference json_reference = 2; } }
message PathItem {
  string _ref = 1; Operation get = 2; Operation put = 3; Operation post = 4; Operation delete = 5; Operation options = 6;
  Operation head = 7; Operation patch = 8; repeated ParametersItem parameters = 9; repeated NamedAny vendor_extension = 10;
}
message Paths { repeated NamedAny vendor_extension = 1; repeated NamedPathItem path = 2; }
message Properties { repeated NamedSchema additional_properties = 1; }
message Response { string description = 1; SchemaItem schema = 2; repeated NamedAny vendor_extension = 5; }
message ResponseValue { oneof oneof { Response response = 1; JsonReference json_reference = 2; } }
message Responses { repeated NamedResponseValue response_code = 1; repeated NamedAny vendor_extension = 2; }
message Schema {
  string _ref = 1; string format = 2; string title = 3; string description = 4; Any default = 5; double multiple_of = 6;
  double maximum = 7; bool exclusive_maximum = 8; double minimum = 9; bool exclusive_minimum = 10; int64 max_length = 11;
  int64 min_length = 12; string pattern = 13; int64 max_items = 14; int64 min_items = 15; bool unique_items = 16;
  int64 max_properties = 17; int64 min_properties = 18; repeated string required = 19; repeated Any enum = 20;
  AdditionalPropertiesItem additional_properties = 21; TypeItem type = 22; ItemsItem items = 23; repeated Schema all_of = 24;
  Properties properties = 25; string discriminator = 26; bool read_only = 27; repeated NamedAny vendor_extension = 31;
}
message SchemaItem { oneof oneof { Schema schema = 1; } }
message SecurityDefinitions { repeated NamedSecurityDefinitionsItem additional_properties = 1; }
message SecurityDefinitionsItem { oneof oneof { BasicAuthenticationSecurity basic_authentication_security = 1; ApiKeySecurity api_key_security = 2; } }
message SecurityRequirement { repeated NamedStringArray additional_properties = 1; }
message StringArray { repeated string value = 1; }
message TypeItem { repeated string value = 1; }
`;

const root = new protobuf.Root();
protobuf.parse(ANY_PROTO, root, { keepCase: true });
protobuf.parse(GNOSTIC_PROTO, root, { keepCase: true });
const DocumentType = root.lookupType('openapi.v2.Document');

type Obj = Record<string, any>;

function decode(bytes: Buffer): Obj {
  return DocumentType.toObject(DocumentType.decode(bytes), { longs: Number, defaults: false, arrays: false, objects: false, oneofs: false });
}

// The inverse mapping, written against the oracle's message shapes, back to Swagger JSON.
function vendor(into: Obj, list: Obj[] | undefined): void {
  for (const na of list ?? []) into[na.name] = YAML.parse(na.value.yaml);
}
const CAMEL: Record<string, string> = {
  multiple_of: 'multipleOf', exclusive_maximum: 'exclusiveMaximum', exclusive_minimum: 'exclusiveMinimum', max_length: 'maxLength',
  min_length: 'minLength', max_items: 'maxItems', min_items: 'minItems', unique_items: 'uniqueItems', max_properties: 'maxProperties',
  min_properties: 'minProperties', read_only: 'readOnly', operation_id: 'operationId', allow_empty_value: 'allowEmptyValue',
};
function scalars(m: Obj, skip: string[]): Obj {
  const out: Obj = {};
  for (const [k, v] of Object.entries(m)) {
    if (skip.includes(k) || k === 'vendor_extension') continue;
    out[k === '_ref' ? '$ref' : (CAMEL[k] ?? k)] = v;
  }
  vendor(out, m.vendor_extension);
  return out;
}
function schemaBack(s: Obj): Obj {
  const out = scalars(s, ['default', 'enum', 'type', 'items', 'properties', 'additional_properties', 'all_of']);
  if (s.default) out.default = YAML.parse(s.default.yaml);
  if (s.enum) out.enum = s.enum.map((a: Obj) => YAML.parse(a.yaml));
  if (s.type) out.type = s.type.value.length === 1 ? s.type.value[0] : s.type.value;
  if (s.items) out.items = schemaBack(s.items.schema[0]);
  if (s.properties) {
    out.properties = {};
    for (const p of s.properties.additional_properties ?? []) out.properties[p.name] = schemaBack(p.value);
  }
  if (s.additional_properties) {
    const ap = s.additional_properties;
    out.additionalProperties = ap.schema ? schemaBack(ap.schema) : ap.boolean;
  }
  if (s.all_of) out.allOf = s.all_of.map(schemaBack);
  return out;
}
function paramBack(p: Obj): Obj {
  if (p.json_reference) return scalars(p.json_reference, []);
  const param = p.parameter;
  if (param.body_parameter) {
    const out = scalars(param.body_parameter, ['schema']);
    out.schema = schemaBack(param.body_parameter.schema);
    return out;
  }
  const nb = param.non_body_parameter;
  return scalars(nb.query_parameter_sub_schema ?? nb.path_parameter_sub_schema ?? nb.header_parameter_sub_schema ?? nb.form_data_parameter_sub_schema, []);
}
function operationBack(o: Obj): Obj {
  const out = scalars(o, ['parameters', 'responses']);
  if (o.parameters) out.parameters = o.parameters.map(paramBack);
  if (o.responses) {
    out.responses = {};
    for (const rc of o.responses.response_code ?? []) {
      const r = rc.value.response;
      const resp = scalars(r, ['schema']);
      if (r.schema) resp.schema = schemaBack(r.schema.schema);
      out.responses[rc.name] = resp;
    }
  }
  return out;
}
function documentBack(d: Obj): Obj {
  const out: Obj = { swagger: d.swagger, info: scalars(d.info, []) };
  if (d.paths) {
    out.paths = {};
    for (const np of d.paths.path ?? []) {
      const item: Obj = {};
      for (const verb of ['get', 'put', 'post', 'delete', 'options', 'head', 'patch']) if (np.value[verb]) item[verb] = operationBack(np.value[verb]);
      if (np.value.parameters) item.parameters = np.value.parameters.map(paramBack);
      out.paths[np.name] = item;
    }
  }
  if (d.definitions) {
    out.definitions = {};
    for (const ns of d.definitions.additional_properties ?? []) out.definitions[ns.name] = schemaBack(ns.value);
  }
  if (d.security_definitions) {
    out.securityDefinitions = {};
    for (const e of d.security_definitions.additional_properties) out.securityDefinitions[e.name] = scalars(e.value.api_key_security, []);
  }
  if (d.security) out.security = d.security.map((req: Obj) => Object.fromEntries(req.additional_properties.map((e: Obj) => [e.name, e.value.value ?? []])));
  return out;
}

/** Key order differs after the round trip (vendor extensions come last); compare canonically. */
function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical((v as Obj)[k])]));
  return v;
}

const reg = SchemaRegistry.builtin();

test('the builtin document round-trips through the gnostic oracle unchanged', () => {
  const doc = buildOpenAPIv2(reg, builtinResources);
  const back = documentBack(decode(encodeGnosticDocument(doc)));
  assert.deepEqual(canonical(back), canonical(doc));
});

test('definitions carry GVKs, merge keys and v2 forms of int-or-string and quantity', () => {
  const defs = buildOpenAPIv2(reg, builtinResources).definitions as Obj;
  assert.deepEqual(defs['io.k8s.api.apps.v1.Deployment']['x-kubernetes-group-version-kind'], [{ group: 'apps', version: 'v1', kind: 'Deployment' }]);
  const env = defs['io.k8s.api.core.v1.Container'].properties.env;
  assert.equal(env['x-kubernetes-patch-merge-key'], 'name');
  assert.equal(env['x-kubernetes-patch-strategy'], 'merge');
  assert.deepEqual(env['x-kubernetes-list-map-keys'], ['name']);
  assert.equal(env.items.$ref, '#/definitions/io.k8s.api.core.v1.EnvVar');
  assert.deepEqual(defs['io.k8s.apimachinery.pkg.util.intstr.IntOrString'], { format: 'int-or-string', type: 'string' });
  assert.deepEqual(defs['io.k8s.apimachinery.pkg.api.resource.Quantity'], { type: 'string' });
  // Every reference resolves: kubectl's v2 reader rejects the whole document otherwise.
  const text = JSON.stringify(defs);
  for (const m of text.matchAll(/"\$ref":"#\/definitions\/([^"]+)"/g)) assert.ok(defs[m[1]!], `dangling ${m[1]}`);
  const walk = (n: Obj, at: string): void => {
    for (const k of Object.keys(n)) assert.ok(!['oneOf', 'anyOf', 'allOf', 'nullable'].includes(k) && !k.startsWith('x-k8ts-'), `${at}: ${k}`);
    for (const [p, child] of Object.entries((n.properties ?? {}) as Obj)) walk(child, `${at}.${p}`);
    if (n.items) walk(n.items, `${at}[]`);
    if (typeof n.additionalProperties === 'object') walk(n.additionalProperties, `${at}{}`);
  };
  for (const [name, def] of Object.entries(defs)) walk(def, name);
});

test('patch operations carry the GVK object and an inline fieldValidation parameter', () => {
  const doc = decode(openAPIv2Protobuf(reg, builtinResources));
  const item = doc.paths.path.find((p: Obj) => p.name === '/apis/apps/v1/namespaces/{namespace}/deployments/{name}');
  const patch = item.value.patch;
  const gvk = patch.vendor_extension.find((e: Obj) => e.name === 'x-kubernetes-group-version-kind');
  assert.deepEqual(YAML.parse(gvk.value.yaml), { group: 'apps', kind: 'Deployment', version: 'v1' });
  const names = patch.parameters.map((p: Obj) => p.parameter?.non_body_parameter?.query_parameter_sub_schema?.name).filter(Boolean);
  assert.ok(names.includes('fieldValidation'));
});

test('v3-only constructs are converted as upstream v2 does', () => {
  const refs = new Set<string>();
  const node: SchemaNode = {
    type: 'object',
    required: ['a', 'b'],
    properties: {
      a: { type: 'string', nullable: true },
      b: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, properties: { c: { type: 'string' } } },
      d: { type: 'array', items: { type: 'object', nullable: true, properties: { e: { type: 'string' } } } },
      f: { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] },
      g: { allOf: [{ $ref: 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' }], description: 'meta' },
      h: { $ref: 'no.such.Schema', description: 'gone' },
    },
  };
  const out = toV2Schema(node, { reg, refs, builtin: false }) as Obj;
  assert.deepEqual(out.required, ['b']);
  assert.deepEqual(out.properties.a, {});
  assert.deepEqual(out.properties.b, { type: 'object', 'x-kubernetes-preserve-unknown-fields': true });
  assert.deepEqual(out.properties.d.items, {});
  assert.deepEqual(out.properties.f, { 'x-kubernetes-int-or-string': true });
  assert.deepEqual(out.properties.g, { $ref: '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta', description: 'meta' });
  assert.deepEqual(out.properties.h, { description: 'gone' });
  assert.deepEqual([...refs], ['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta']);
});

test('empty messages stay present and oneof booleans are written even when false', () => {
  const doc = { swagger: '2.0', info: { title: 'T', version: 'v' }, definitions: { A: { type: 'object', properties: {}, additionalProperties: false } } };
  const back = decode(encodeGnosticDocument(doc));
  const a = back.definitions.additional_properties[0].value;
  assert.ok(a.properties, 'empty Properties decoded as present');
  assert.equal(a.additional_properties.boolean, false);
  assert.equal(a.additional_properties.oneof, undefined);
});

test('YAML text for Any.yaml quotes what a YAML 1.1 reader would misread', () => {
  assert.equal(toYamlText('merge,retainKeys'), 'merge,retainKeys\n');
  assert.equal(toYamlText('yes'), '"yes"\n');
  assert.equal(toYamlText('On'), '"On"\n');
  assert.equal(toYamlText('1.5'), '"1.5"\n');
  assert.equal(toYamlText(''), '""\n');
  assert.equal(toYamlText('a: b'), '"a: b"\n');
  assert.equal(toYamlText({}), '{}\n');
  assert.equal(toYamlText(0), '0\n');
  assert.equal(toYamlText([{ group: '', kind: 'Pod', version: 'v1' }]), '- group: ""\n  kind: Pod\n  version: v1\n');
  const nested = [{ discriminator: 'type', 'fields-to-discriminateBy': { localhostProfile: 'LocalhostProfile' } }, [1, [2]], []];
  assert.deepEqual(YAML.parse(toYamlText(nested)), nested);
});

test('the protobuf is cached per registry version and resource set', () => {
  const r = SchemaRegistry.builtin();
  const pods = builtinResources.filter((x) => x.group === '' && x.plural === 'pods');
  const first = openAPIv2Protobuf(r, pods);
  assert.equal(openAPIv2Protobuf(r, pods), first);
  r.addCustom('com.example.v1.Widget', { type: 'object' }, { group: 'example.com', version: 'v1', kind: 'Widget' });
  assert.notEqual(openAPIv2Protobuf(r, pods), first);
});
