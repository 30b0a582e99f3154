// A small JSONPath evaluator for CRD additionalPrinterColumns: the subset of kubectl's JSONPath
// dialect that column paths use (`.a.b`, `['a.b']`, `[0]`, `[-1]`, `[1:3]`, `[*]`, `.*`, `..a`,
// `[?(@.type=="Ready")]`). Paths are compiled once; evaluation allocates only result lists.

type Literal = string | number | boolean | null;

type Operand = { kind: 'literal'; value: Literal } | { kind: 'path'; steps: Step[] };

type Step =
  | { kind: 'field'; names: string[] }
  | { kind: 'wildcard' }
  | { kind: 'recursive' }
  | { kind: 'index'; indices: number[] }
  | { kind: 'slice'; start?: number; end?: number; step: number }
  | { kind: 'filter'; left: Step[]; op: string; right?: Operand };

export interface CompiledPath {
  readonly source: string;
  readonly steps: readonly Step[];
}

export class JSONPathError extends Error {}

/** Compile a path such as `.status.conditions[?(@.type=="Ready")].status` (braces optional). */
export function compileJSONPath(source: string): CompiledPath {
  let text = source.trim();
  if (text.startsWith('{') && text.endsWith('}')) text = text.slice(1, -1).trim();
  return { source, steps: parseSteps(text) };
}

/** All values the path selects in `root`; empty when any key is missing. */
export function evaluateJSONPath(path: CompiledPath, root: unknown): unknown[] {
  return run(path.steps, [root]);
}

function parseSteps(text: string): Step[] {
  const steps: Step[] = [];
  let i = 0;
  if (text[0] === '$' || text[0] === '@') i = 1;
  while (i < text.length) {
    const ch = text[i];
    if (ch === '.') {
      if (text[i + 1] === '.') {
        steps.push({ kind: 'recursive' });
        i += 2;
      } else {
        i += 1;
      }
      if (i >= text.length) break;
      if (text[i] === '*') {
        steps.push({ kind: 'wildcard' });
        i += 1;
        continue;
      }
      if (text[i] === '[') continue;
      const start = i;
      while (i < text.length && text[i] !== '.' && text[i] !== '[') i++;
      steps.push({ kind: 'field', names: [text.slice(start, i)] });
    } else if (ch === '[') {
      const end = closingBracket(text, i);
      steps.push(parseBracket(text.slice(i + 1, end).trim()));
      i = end + 1;
    } else {
      // A bare leading name (`spec.replicas`) is read as a field.
      const start = i;
      while (i < text.length && text[i] !== '.' && text[i] !== '[') i++;
      steps.push({ kind: 'field', names: [text.slice(start, i)] });
    }
  }
  return steps;
}

function closingBracket(text: string, open: number): number {
  let depth = 0;
  let quote = '';
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = '';
    } else if (c === "'" || c === '"') {
      quote = c;
    } else if (c === '[' || c === '(') {
      depth++;
    } else if (c === ']' || c === ')') {
      depth--;
      if (depth === 0 && c === ']') return i;
    }
  }
  throw new JSONPathError(`unclosed [ in ${JSON.stringify(text)}`);
}

function parseBracket(inner: string): Step {
  if (inner === '*') return { kind: 'wildcard' };
  if (inner.startsWith('?(') && inner.endsWith(')')) return parseFilter(inner.slice(2, -1).trim());
  if (inner[0] === "'" || inner[0] === '"') {
    return { kind: 'field', names: splitTopLevel(inner).map((p) => unquote(p.trim())) };
  }
  if (inner.includes(':')) {
    const parts = inner.split(':').map((p) => p.trim());
    if (parts.length > 3) throw new JSONPathError(`invalid slice [${inner}]`);
    const num = (p: string | undefined) => (p === undefined || p === '' ? undefined : toInt(p));
    return { kind: 'slice', start: num(parts[0]), end: num(parts[1]), step: num(parts[2]) ?? 1 };
  }
  return { kind: 'index', indices: inner.split(',').map((p) => toInt(p.trim())) };
}

function toInt(s: string): number {
  const n = Number(s);
  if (!Number.isInteger(n)) throw new JSONPathError(`invalid array index ${JSON.stringify(s)}`);
  return n;
}

function splitTopLevel(text: string): string[] {
  const out: string[] = [];
  let quote = '';
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = '';
    } else if (c === "'" || c === '"') quote = c;
    else if (c === ',') {
      out.push(text.slice(start, i));
      start = i + 1;
    }
  }
  out.push(text.slice(start));
  return out;
}

function unquote(s: string): string {
  if (s.length >= 2 && (s[0] === '"' || s[0] === "'") && s[s.length - 1] === s[0]) {
    let out = '';
    for (let i = 1; i < s.length - 1; i++) {
      if (s[i] === '\\' && i + 1 < s.length - 1) i++;
      out += s[i];
    }
    return out;
  }
  return s;
}

const OPERATORS = ['==', '!=', '<=', '>=', '<', '>'];

function parseFilter(expr: string): Step {
  let quote = '';
  for (let i = 0; i < expr.length; i++) {
    const c = expr[i]!;
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = '';
      continue;
    }
    if (c === "'" || c === '"') {
      quote = c;
      continue;
    }
    for (const op of OPERATORS) {
      if (expr.startsWith(op, i)) {
        return {
          kind: 'filter',
          left: parseOperandPath(expr.slice(0, i).trim()),
          op,
          right: parseOperand(expr.slice(i + op.length).trim()),
        };
      }
    }
  }
  return { kind: 'filter', left: parseOperandPath(expr), op: 'exists' };
}

function parseOperandPath(text: string): Step[] {
  if (text[0] !== '@') throw new JSONPathError(`filter operand must start with @: ${JSON.stringify(text)}`);
  return parseSteps(text);
}

function parseOperand(text: string): Operand {
  if (text[0] === '@') return { kind: 'path', steps: parseSteps(text) };
  if (text[0] === '"' || text[0] === "'") return { kind: 'literal', value: unquote(text) };
  if (text === 'true' || text === 'false') return { kind: 'literal', value: text === 'true' };
  if (text === 'null' || text === 'nil') return { kind: 'literal', value: null };
  const n = Number(text);
  if (text !== '' && !Number.isNaN(n)) return { kind: 'literal', value: n };
  throw new JSONPathError(`unrecognized filter operand ${JSON.stringify(text)}`);
}

const hasOwn = Object.prototype.hasOwnProperty;

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function run(steps: readonly Step[], input: unknown[]): unknown[] {
  let cur = input;
  for (const step of steps) {
    if (cur.length === 0) return cur;
    cur = apply(step, cur);
  }
  return cur;
}

function apply(step: Step, input: unknown[]): unknown[] {
  const out: unknown[] = [];
  switch (step.kind) {
    case 'field':
      for (const v of input) {
        if (!isObject(v)) continue;
        for (const n of step.names) if (hasOwn.call(v, n)) out.push(v[n]);
      }
      return out;
    case 'wildcard':
      for (const v of input) {
        if (Array.isArray(v)) out.push(...v);
        else if (isObject(v)) for (const k of Object.keys(v).sort()) out.push(v[k]);
      }
      return out;
    case 'recursive':
      for (const v of input) collect(v, out);
      return out;
    case 'index':
      for (const v of input) {
        if (!Array.isArray(v)) continue;
        for (const idx of step.indices) {
          const i = idx < 0 ? v.length + idx : idx;
          if (i >= 0 && i < v.length) out.push(v[i]);
        }
      }
      return out;
    case 'slice':
      for (const v of input) {
        if (!Array.isArray(v)) continue;
        const len = v.length;
        const norm = (n: number | undefined, dflt: number) =>
          n === undefined ? dflt : Math.min(Math.max(n < 0 ? len + n : n, 0), len);
        const start = norm(step.start, 0);
        const end = norm(step.end, len);
        for (let i = start; i < end; i += step.step > 0 ? step.step : 1) out.push(v[i]);
      }
      return out;
    case 'filter':
      for (const v of input) {
        const items = Array.isArray(v) ? v : isObject(v) ? [v] : [];
        for (const item of items) if (matches(step, item)) out.push(item);
      }
      return out;
  }
}

function collect(v: unknown, out: unknown[]): void {
  out.push(v);
  if (Array.isArray(v)) for (const x of v) collect(x, out);
  else if (isObject(v)) for (const k of Object.keys(v).sort()) collect(v[k], out);
}

function matches(step: Extract<Step, { kind: 'filter' }>, item: unknown): boolean {
  const lefts = run(step.left, [item]);
  if (step.op === 'exists') return lefts.length > 0;
  if (lefts.length !== 1) return false;
  let right: unknown;
  if (step.right?.kind === 'literal') right = step.right.value;
  else {
    const rights = run(step.right!.steps, [item]);
    if (rights.length !== 1) return false;
    right = rights[0];
  }
  return compare(lefts[0], step.op, right);
}

function compare(a: unknown, op: string, b: unknown): boolean {
  if (op === '==') return a === b;
  if (op === '!=') return a !== b;
  if (typeof a === 'number' && typeof b === 'number') {
    return op === '<' ? a < b : op === '>' ? a > b : op === '<=' ? a <= b : a >= b;
  }
  if (typeof a === 'string' && typeof b === 'string') {
    return op === '<' ? a < b : op === '>' ? a > b : op === '<=' ? a <= b : a >= b;
  }
  return false;
}
