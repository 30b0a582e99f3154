// Label selectors in their string form (`a=b,c!=d,e in (f,g),!h`) and their structured form
// (metav1.LabelSelector), compiled once into a predicate.
import { errors } from '../errors.js';

export type Requirement =
  | { key: string; op: 'in' | 'notin'; values: string[] }
  | { key: string; op: 'exists' | 'doesnotexist' };

export type Labels = Record<string, string> | undefined;
export type LabelPredicate = (labels: Labels) => boolean;

export const matchAll: LabelPredicate = () => true;
export const matchNothing: LabelPredicate = () => false;

function matches(reqs: Requirement[], labels: Labels): boolean {
  for (const r of reqs) {
    const v = labels?.[r.key];
    switch (r.op) {
      case 'exists':
        if (v === undefined) return false;
        break;
      case 'doesnotexist':
        if (v !== undefined) return false;
        break;
      case 'in':
        if (v === undefined || !r.values.includes(v)) return false;
        break;
      case 'notin':
        if (v !== undefined && r.values.includes(v)) return false;
        break;
    }
  }
  return true;
}

export function compileRequirements(reqs: Requirement[]): LabelPredicate {
  if (reqs.length === 0) return matchAll;
  return (labels) => matches(reqs, labels);
}

/** Parses the string form; throws 400 on syntax errors. */
export function parseLabelSelector(s: string): Requirement[] {
  const reqs: Requirement[] = [];
  let i = 0;
  const n = s.length;
  const skipWs = () => {
    while (i < n && s[i] === ' ') i++;
  };
  const readKey = () => {
    skipWs();
    const start = i;
    while (i < n && !' ,=!()'.includes(s[i]!) ) i++;
    return s.slice(start, i);
  };
  const fail = (msg: string): never => {
    throw errors.badRequest(`unable to parse requirement: ${msg}`);
  };
  while (i < n) {
    skipWs();
    if (s[i] === '!') {
      i++;
      const key = readKey();
      if (!key) fail(`found '${s[i] ?? 'EOS'}', expected: identifier`);
      reqs.push({ key, op: 'doesnotexist' });
    } else {
      const key = readKey();
      if (!key) fail(`found '${s[i] ?? 'EOS'}', expected: !, identifier, or 'end of string'`);
      skipWs();
      if (i >= n || s[i] === ',') {
        reqs.push({ key, op: 'exists' });
      } else if (s.startsWith('==', i) || s[i] === '=') {
        i += s.startsWith('==', i) ? 2 : 1;
        reqs.push({ key, op: 'in', values: [readKey()] });
      } else if (s.startsWith('!=', i)) {
        i += 2;
        reqs.push({ key, op: 'notin', values: [readKey()] });
      } else {
        const word = readKey();
        if (word !== 'in' && word !== 'notin') fail(`found '${word}', expected: '=', '!=', '==', 'in', notin'`);
        skipWs();
        if (s[i] !== '(') fail(`found '${s[i] ?? 'EOS'}', expected: '('`);
        i++;
        const values: string[] = [];
        for (;;) {
          values.push(readKey());
          skipWs();
          if (s[i] === ',') {
            i++;
            continue;
          }
          if (s[i] === ')') {
            i++;
            break;
          }
          fail(`found '${s[i] ?? 'EOS'}', expected: ',', or ')'`);
        }
        reqs.push({ key, op: word as 'in' | 'notin', values: values.filter((v) => v !== '') });
      }
    }
    skipWs();
    if (i < n) {
      if (s[i] !== ',') fail(`found '${s[i]}', expected: ',' or 'end of string'`);
      i++;
    }
  }
  return reqs;
}

export interface LabelSelectorSpec {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/** metav1.LabelSelectorAsSelector: nil selector matches nothing, empty matches everything. */
export function requirementsFromSpec(sel: LabelSelectorSpec): Requirement[] {
  const reqs: Requirement[] = [];
  for (const [key, v] of Object.entries(sel.matchLabels ?? {})) reqs.push({ key, op: 'in', values: [v] });
  for (const e of sel.matchExpressions ?? []) {
    const op = e.operator.toLowerCase();
    if (op === 'in' || op === 'notin') reqs.push({ key: e.key, op, values: e.values ?? [] });
    else if (op === 'exists') reqs.push({ key: e.key, op: 'exists' });
    else if (op === 'doesnotexist') reqs.push({ key: e.key, op: 'doesnotexist' });
  }
  return reqs;
}

export function selectorFromSpec(sel: LabelSelectorSpec | undefined | null): LabelPredicate {
  if (!sel) return matchNothing;
  return compileRequirements(requirementsFromSpec(sel));
}

/** The string form kubectl and status.selector use. */
export function formatLabelSelector(sel: LabelSelectorSpec | undefined): string {
  if (!sel) return '';
  const parts: string[] = [];
  for (const r of requirementsFromSpec(sel)) {
    if (r.op === 'exists') parts.push(r.key);
    else if (r.op === 'doesnotexist') parts.push(`!${r.key}`);
    else if (r.op === 'in' && r.values.length === 1 && sel.matchLabels?.[r.key] === r.values[0]) parts.push(`${r.key}=${r.values[0]}`);
    else if (r.op === 'in' || r.op === 'notin') parts.push(`${r.key} ${r.op} (${r.values.join(',')})`);
  }
  return parts.join(',');
}
