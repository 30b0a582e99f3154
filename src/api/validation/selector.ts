// LabelSelector validation and matching (upstream metav1 ValidateLabelSelector / LabelSelectorAsSelector).
import { fieldErrors } from '../errors.js';
import { validateLabels } from './meta.js';
import { isQualifiedName, isValidLabelValue } from './names.js';
import { arr, type Causes, index, obj, type Obj, str } from './field.js';

const OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist'];

export function validateLabelSelector(sel: Obj, path: string, out: Causes): void {
  validateLabels(obj(sel.matchLabels) as Record<string, string> | undefined, `${path}.matchLabels`, out);
  arr(sel.matchExpressions).forEach((raw, i) => {
    const p = index(`${path}.matchExpressions`, i);
    const e = obj(raw) ?? {};
    const op = str(e.operator) ?? '';
    const values = arr(e.values);
    if (op === 'In' || op === 'NotIn') {
      if (values.length === 0) out.push(fieldErrors.required(`${p}.values`, 'must be specified when `operator` is \'In\' or \'NotIn\''));
    } else if (op === 'Exists' || op === 'DoesNotExist') {
      if (values.length > 0) out.push(fieldErrors.forbidden(`${p}.values`, 'may not be specified when `operator` is \'Exists\' or \'DoesNotExist\''));
    } else {
      out.push(fieldErrors.invalid(`${p}.operator`, op, 'not a valid selector operator'));
    }
    const k = str(e.key) ?? '';
    for (const m of isQualifiedName(k)) out.push(fieldErrors.invalid(`${p}.key`, k, m));
    values.forEach((v, j) => {
      if (typeof v === 'string') for (const m of isValidLabelValue(v)) out.push(fieldErrors.invalid(index(`${p}.values`, j), v, m));
    });
  });
}

/** An empty selector (no labels, no expressions) matches everything. */
export function isEmptySelector(sel: Obj): boolean {
  const ml = obj(sel.matchLabels);
  return (!ml || Object.keys(ml).length === 0) && arr(sel.matchExpressions).length === 0;
}

export function selectorMatches(sel: Obj, labels: Record<string, string> | undefined): boolean {
  const l = labels ?? {};
  const ml = obj(sel.matchLabels) ?? {};
  for (const [k, v] of Object.entries(ml)) if (l[k] !== v) return false;
  for (const raw of arr(sel.matchExpressions)) {
    const e = obj(raw) ?? {};
    const k = str(e.key) ?? '';
    const values = arr(e.values);
    const has = Object.prototype.hasOwnProperty.call(l, k);
    switch (e.operator) {
      case 'In': if (!has || !values.includes(l[k])) return false; break;
      case 'NotIn': if (has && values.includes(l[k])) return false; break;
      case 'Exists': if (!has) return false; break;
      case 'DoesNotExist': if (has) return false; break;
      default: return false;
    }
  }
  return true;
}

export { OPERATORS as SELECTOR_OPERATORS };
