// Unknown-field and JSON-type checks of a decoded object against its schema, as upstream's strict
// decoder (built-in types) and structural pruning (custom resources) report them. Each schema is
// compiled once per registry version into a small checker tree; a request only walks that tree.
// Unknown fields are removed from the object so Warn/Ignore field validation can carry on. This
// module decides nothing about HTTP answers: the caller turns the findings into a 400 or warnings.
import type { SchemaNode } from './types.js';
import { OBJECT_META, type SchemaRegistry } from './registry.js';

export interface CheckFieldsOptions {
  /** Remove unknown fields from the object (default true). */
  prune?: boolean;
  /**
   * Report JSON type mismatches as upstream's Go decoder does (default: true for built-in schemas,
   * false for custom ones, which upstream decodes without types and checks in validation).
   */
  typeErrors?: boolean;
}

export interface CheckFieldsResult {
  /** Paths of unknown fields as upstream prints them, e.g. "spec.template.spec.containers[0].imagee". */
  unknown: string[];
  /** First type mismatch, e.g. `json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32`. */
  typeError?: string;
}

/** Upstream stops collecting strict errors after this many. */
const MAX_REPORTED = 100;

const QUANTITY_ERROR = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

// JSON kinds a scalar accepts, as bits.
const J_STRING = 1;
const J_NUMBER = 2; // any number
const J_INTEGER = 4; // a number with no fraction
const J_BOOL = 8;
const J_OBJECT = 16;
const J_ARRAY = 32;

type Checker = AnyChecker | ObjectChecker | MapChecker | ArrayChecker | ScalarChecker;

interface AnyChecker {
  k: 'any';
  goType: string;
}

interface ObjectChecker {
  k: 'object';
  goType: string;
  /** Go struct name printed in type errors ("DeploymentSpec"). */
  structName: string;
  fields: Map<string, Checker>;
  /** Keep unknown fields (x-kubernetes-preserve-unknown-fields). */
  preserve: boolean;
}

interface MapChecker {
  k: 'map';
  goType: string;
  value: Checker;
}

interface ArrayChecker {
  k: 'array';
  goType: string;
  items: Checker;
}

interface ScalarChecker {
  k: 'scalar';
  goType: string;
  accepts: number;
  /** Integer range for int32/int64 targets. */
  min?: number;
  max?: number;
  /** Custom unmarshaller message for unacceptable values (Quantity), else the Go decoder's. */
  customError?: string;
  /** IntOrString: non-string values are decoded as int32. */
  intOrString?: boolean;
}

const ANY: AnyChecker = { k: 'any', goType: 'interface {}' };

/** One compiler per registry; replaced when the registry's version moves on. */
const compilers = new WeakMap<SchemaRegistry, Compiler>();

function rootChecker(reg: SchemaRegistry, name: string): Checker | undefined {
  let compiler = compilers.get(reg);
  if (!compiler || compiler.version !== reg.version) {
    compiler = new Compiler(reg);
    compilers.set(reg, compiler);
  }
  return reg.get(name) ? compiler.named(name) : undefined;
}

/** Turns schema nodes into checkers; named schemas are compiled once, which also ties recursion. */
class Compiler {
  private readonly named_ = new Map<string, Checker>();
  readonly version: number;

  constructor(private readonly reg: SchemaRegistry) {
    this.version = reg.version;
  }

  named(name: string): Checker {
    const done = this.named_.get(name);
    if (done) return done;
    const node = this.reg.get(name);
    if (!node) return ANY;
    const goType = goTypeName(name);
    if (isObjectWithFields(node)) {
      // Registered before its fields are compiled so self-references (JSONSchemaProps) terminate.
      const obj: ObjectChecker = {
        k: 'object',
        goType,
        structName: name.slice(name.lastIndexOf('.') + 1),
        fields: new Map(),
        preserve: node['x-kubernetes-preserve-unknown-fields'] === true,
      };
      this.named_.set(name, obj);
      this.fillObject(obj, node, this.reg.isCustom(name));
      return obj;
    }
    const checker = this.node(node, this.reg.isCustom(name), goType, name);
    this.named_.set(name, checker);
    return checker;
  }

  /**
   * `structural` selects CRD semantics (upstream's structural schemas): there an object without
   * properties keeps no fields unless told to, while a built-in one has its own unmarshaller.
   */
  node(node: SchemaNode, structural: boolean, goType?: string, structName?: string): Checker {
    if (node.$ref) return this.named(node.$ref);
    if (node.allOf && node.allOf.length === 1 && node.allOf[0].$ref) return this.named(node.allOf[0].$ref);
    if (node['x-kubernetes-int-or-string']) return intOrString();
    if (node.format === 'int-or-string') return intOrString();
    if (node.oneOf || node.anyOf) return this.union((node.oneOf ?? node.anyOf)!, goType);
    if (node['x-kubernetes-embedded-resource']) return this.embedded(node, structural);

    switch (node.type) {
      case 'object': {
        if (node.properties) {
          const obj: ObjectChecker = {
            k: 'object',
            goType: goType ?? 'struct',
            structName: structName ? structName.slice(structName.lastIndexOf('.') + 1) : '',
            fields: new Map(),
            preserve: node['x-kubernetes-preserve-unknown-fields'] === true,
          };
          this.fillObject(obj, node, structural);
          return obj;
        }
        if (node.additionalProperties && typeof node.additionalProperties === 'object') {
          const value = this.node(node.additionalProperties, structural);
          return { k: 'map', goType: `map[string]${value.goType}`, value };
        }
        if (node['x-kubernetes-preserve-unknown-fields'] || node.additionalProperties === true) {
          return { k: 'scalar', goType: goType ?? 'map[string]interface {}', accepts: J_OBJECT };
        }
        // A built-in object type without fields has its own unmarshaller (RawExtension,
        // FieldsV1); a structural schema object without fields keeps none of them.
        if (!structural) return { k: 'any', goType: goType ?? 'interface {}' };
        return { k: 'object', goType: goType ?? 'struct', structName: '', fields: new Map(), preserve: false };
      }
      case 'array': {
        const items = node.items ? this.node(node.items, structural) : ANY;
        return { k: 'array', goType: `[]${items.goType}`, items };
      }
      case 'string':
        if (node.format === 'byte') return { k: 'scalar', goType: goType ?? '[]uint8', accepts: J_STRING };
        return { k: 'scalar', goType: goType ?? 'string', accepts: J_STRING };
      case 'integer':
        if (node.format === 'int32') return { k: 'scalar', goType: 'int32', accepts: J_INTEGER, min: -2147483648, max: 2147483647 };
        return { k: 'scalar', goType: 'int64', accepts: J_INTEGER, min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER };
      case 'number':
        return { k: 'scalar', goType: node.format === 'float' ? 'float32' : 'float64', accepts: J_NUMBER | J_INTEGER };
      case 'boolean':
        return { k: 'scalar', goType: 'bool', accepts: J_BOOL };
      default:
        if (node.properties) return this.node({ ...node, type: 'object' }, structural, goType, structName);
        return { k: 'any', goType: goType ?? 'interface {}' };
    }
  }

  private fillObject(obj: ObjectChecker, node: SchemaNode, structural: boolean): void {
    for (const [field, child] of Object.entries(node.properties ?? {})) {
      obj.fields.set(field, this.node(child, structural));
    }
  }

  private union(options: SchemaNode[], goType: string | undefined): Checker {
    let accepts = 0;
    for (const o of options) {
      if (o.type === 'string') accepts |= J_STRING;
      else if (o.type === 'number') accepts |= J_NUMBER | J_INTEGER;
      else if (o.type === 'integer') accepts |= J_INTEGER;
      else if (o.type === 'boolean') accepts |= J_BOOL;
      else if (o.type === 'object') accepts |= J_OBJECT;
      else if (o.type === 'array') accepts |= J_ARRAY;
      else return ANY;
    }
    const isQuantity = goType === 'resource.Quantity';
    return { k: 'scalar', goType: goType ?? 'interface {}', accepts, customError: isQuantity ? QUANTITY_ERROR : undefined };
  }

  /** An embedded object (x-kubernetes-embedded-resource) implicitly has apiVersion, kind and metadata. */
  private embedded(node: SchemaNode, structural: boolean): Checker {
    const inner = this.node({ ...node, 'x-kubernetes-embedded-resource': undefined }, structural);
    if (inner.k !== 'object') return inner;
    const fields = new Map(inner.fields);
    if (!fields.has('apiVersion')) fields.set('apiVersion', { k: 'scalar', goType: 'string', accepts: J_STRING });
    if (!fields.has('kind')) fields.set('kind', { k: 'scalar', goType: 'string', accepts: J_STRING });
    if (!fields.has('metadata')) fields.set('metadata', this.named(OBJECT_META));
    return { ...inner, fields };
  }
}

function intOrString(): ScalarChecker {
  return { k: 'scalar', goType: 'intstr.IntOrString', accepts: J_STRING | J_INTEGER, min: -2147483648, max: 2147483647, intOrString: true };
}

function isObjectWithFields(node: SchemaNode): boolean {
  return (node.type === 'object' || node.type === undefined) && node.properties !== undefined && !node['x-kubernetes-embedded-resource'];
}

/** "io.k8s.api.apps.v1.DeploymentSpec" → "v1.DeploymentSpec", as Go prints a named type. */
function goTypeName(schemaName: string): string {
  const last = schemaName.lastIndexOf('.');
  const prev = schemaName.lastIndexOf('.', last - 1);
  return schemaName.slice(prev + 1);
}

function jsonKind(v: unknown): number {
  switch (typeof v) {
    case 'string':
      return J_STRING;
    case 'number':
      return Number.isInteger(v) ? J_INTEGER | J_NUMBER : J_NUMBER;
    case 'boolean':
      return J_BOOL;
    case 'bigint':
      return J_INTEGER | J_NUMBER;
    default:
      return Array.isArray(v) ? J_ARRAY : J_OBJECT;
  }
}

/** How Go's decoder names the offending JSON value. */
function goValueName(v: unknown, target: ScalarChecker | undefined): string {
  if (typeof v === 'number' || typeof v === 'bigint') {
    // A number an integer target cannot hold is quoted; a number for any other type is just "number".
    const integerTarget = target !== undefined && (target.accepts & (J_INTEGER | J_NUMBER)) === J_INTEGER;
    return integerTarget ? `number ${String(v)}` : 'number';
  }
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  return Array.isArray(v) ? 'array' : 'object';
}

/** One walk's state: the path stacks and what was found. */
class Walk {
  readonly unknown: string[] = [];
  typeError: string | undefined;
  /** Path segments: strings are field or map keys, numbers are list indices. */
  private readonly path: (string | number)[] = [];
  /** Struct field names only, as Go's decoder tracks them for type errors. */
  private readonly goFields: string[] = [];
  private structName = '';

  constructor(
    private readonly prune: boolean,
    private readonly typeErrors: boolean,
  ) {}

  value(c: Checker, v: unknown): void {
    if (v === null || v === undefined) return; // null is valid everywhere: it zeroes the field
    switch (c.k) {
      case 'any':
        return;
      case 'scalar':
        return this.scalar(c, v);
      case 'object':
        if (typeof v !== 'object' || Array.isArray(v)) return this.mismatch(c, v);
        return this.object(c, v as Record<string, unknown>);
      case 'map':
        if (typeof v !== 'object' || Array.isArray(v)) return this.mismatch(c, v);
        for (const key of Object.keys(v)) {
          this.path.push(key);
          this.value(c.value, (v as Record<string, unknown>)[key]);
          this.path.pop();
        }
        return;
      case 'array':
        if (!Array.isArray(v)) return this.mismatch(c, v);
        for (let i = 0; i < v.length; i++) {
          this.path.push(i);
          this.value(c.items, v[i]);
          this.path.pop();
        }
        return;
    }
  }

  private object(c: ObjectChecker, obj: Record<string, unknown>): void {
    const savedStruct = this.structName;
    for (const key of Object.keys(obj)) {
      const child = c.fields.get(key);
      if (!child) {
        if (c.preserve) continue;
        if (this.unknown.length < MAX_REPORTED) this.unknown.push(this.pathWith(key));
        if (this.prune) delete obj[key];
        continue;
      }
      this.path.push(key);
      this.goFields.push(key);
      this.structName = c.structName;
      this.value(child, obj[key]);
      this.structName = savedStruct;
      this.goFields.pop();
      this.path.pop();
    }
  }

  private scalar(c: ScalarChecker, v: unknown): void {
    const kind = jsonKind(v);
    if (kind & c.accepts) {
      if (c.min !== undefined && typeof v === 'number' && (v < c.min || v > c.max!)) this.mismatch(c, v);
      return;
    }
    this.mismatch(c, v);
  }

  private mismatch(c: Checker, v: unknown): void {
    if (!this.typeErrors || this.typeError !== undefined) return;
    const scalar = c.k === 'scalar' ? c : undefined;
    if (scalar?.customError) {
      this.typeError = scalar.customError;
      return;
    }
    if (scalar?.intOrString) {
      // IntOrString decodes non-strings into its int32 half, outside any struct field context.
      this.typeError = `json: cannot unmarshal ${goValueName(v, { k: 'scalar', goType: 'int32', accepts: J_INTEGER })} into Go value of type int32`;
      return;
    }
    const value = goValueName(v, scalar);
    this.typeError = this.goFields.length === 0
      ? `json: cannot unmarshal ${value} into Go value of type ${c.goType}`
      : `json: cannot unmarshal ${value} into Go struct field ${this.structName}.${this.goFields.join('.')} of type ${c.goType}`;
  }

  private pathWith(last: string): string {
    let s = '';
    for (const seg of this.path) {
      if (typeof seg === 'number') s += `[${seg}]`;
      else s += s.length === 0 ? seg : `.${seg}`;
    }
    return s.length === 0 ? last : `${s}.${last}`;
  }
}

/**
 * Walks `obj` against the named schema: collects unknown fields (and removes them unless
 * opts.prune is false) and the first JSON type mismatch. An unknown schema name checks nothing.
 */
export function checkFields(reg: SchemaRegistry, rootSchemaName: string, obj: unknown, opts: CheckFieldsOptions = {}): CheckFieldsResult {
  const root = rootChecker(reg, rootSchemaName);
  if (!root) return { unknown: [] };
  const walk = new Walk(opts.prune ?? true, opts.typeErrors ?? !reg.isCustom(rootSchemaName));
  walk.value(root, obj);
  return walk.typeError === undefined ? { unknown: walk.unknown } : { unknown: walk.unknown, typeError: walk.typeError };
}

/**
 * Upstream's pruning of custom resources: drops every field the structural schema does not
 * declare (unless x-kubernetes-preserve-unknown-fields) and returns the dropped paths.
 */
export function pruneUnknown(reg: SchemaRegistry, rootSchemaName: string, obj: unknown): string[] {
  return checkFields(reg, rootSchemaName, obj, { prune: true, typeErrors: false }).unknown;
}

/** Upstream's message for one unknown field, as used in warnings and strict-mode errors. */
export function unknownFieldMessage(path: string): string {
  return `unknown field "${path}"`;
}
