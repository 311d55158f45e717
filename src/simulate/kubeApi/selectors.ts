/**
 * The `labelSelector` and `fieldSelector` query parameters of LIST, WATCH and DELETE-collection requests,
 * with kube-apiserver's grammar (k8s.io/apimachinery/pkg/labels and pkg/fields):
 *
 * - labels: comma-separated requirements `k=v`, `k==v`, `k!=v`, `k in (a,b)`, `k notin (a,b)`, `k`, `!k`,
 *   `k>1`, `k<1`; `!=`, `notin` and `!k` hold for objects without the label.
 * - fields: comma-separated `f=v`, `f==v`, `f!=v` over the fields the resource supports.
 *
 * A malformed selector throws `ApiError` 400 BadRequest, as the real server answers.
 */
import { ApiError } from './status.js';

type LabelOperator = '=' | '!=' | 'in' | 'notin' | 'exists' | '!' | 'gt' | 'lt';

interface LabelRequirement {
  key: string;
  operator: LabelOperator;
  values: string[];
}

/** A parsed label selector: true for the label sets it selects. */
export type LabelMatcher = (labels: Readonly<Record<string, string>> | undefined) => boolean;

const QUALIFIED_NAME = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** Parses a `labelSelector` parameter; an empty or absent one selects everything. */
export function parseLabelSelector(text: string | null | undefined): LabelMatcher {
  if (!text || text.trim() === '') return () => true;
  const requirements = splitTopLevel(text).map(parseRequirement);
  return (labels) => requirements.every((requirement) => holds(requirement, labels ?? {}));
}

/** Splits on commas outside parentheses. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const c of text) {
    if (c === '(') depth++;
    if (c === ')') depth--;
    if (c === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else current += c;
  }
  parts.push(current);
  return parts.map((part) => part.trim());
}

function parseRequirement(text: string): LabelRequirement {
  let match: RegExpMatchArray | null;
  if ((match = /^!\s*(\S+)$/.exec(text))) return requirement(match[1]!, '!', [], text);
  if ((match = /^(\S+?)\s+(in|notin)\s*\((.*)\)$/.exec(text))) {
    const values = match[3]!.split(',').map((value) => value.trim());
    return requirement(match[1]!, match[2] as 'in' | 'notin', values, text);
  }
  if ((match = /^([^=!<>\s]+)\s*(==|=|!=|>|<)\s*(\S*)$/.exec(text))) {
    const operator = match[2] === '!=' ? '!=' : match[2] === '>' ? 'gt' : match[2] === '<' ? 'lt' : '=';
    return requirement(match[1]!, operator, [match[3]!], text);
  }
  if ((match = /^(\S+)$/.exec(text))) return requirement(match[1]!, 'exists', [], text);
  throw ApiError.badRequest(`unable to parse requirement: found '${text}', expected: key, !key, key=value, key in (values)`);
}

function requirement(key: string, operator: LabelOperator, values: string[], text: string): LabelRequirement {
  if (!QUALIFIED_NAME.test(key)) throw ApiError.badRequest(`unable to parse requirement: invalid label key "${key}" in '${text}'`);
  for (const value of values) {
    if (operator === 'gt' || operator === 'lt') {
      if (!/^-?\d+$/.test(value)) throw ApiError.badRequest(`unable to parse requirement: for 'Gt', 'Lt' operators, the value must be an integer: '${text}'`);
    } else if (!LABEL_VALUE.test(value) || value.length > 63) {
      throw ApiError.badRequest(`unable to parse requirement: invalid label value: "${value}" in '${text}'`);
    }
  }
  if ((operator === 'in' || operator === 'notin') && values.length === 0) {
    throw ApiError.badRequest(`unable to parse requirement: for 'in', 'notin' operators, values set can't be empty: '${text}'`);
  }
  return { key, operator, values };
}

function holds(req: LabelRequirement, labels: Readonly<Record<string, string>>): boolean {
  const present = Object.prototype.hasOwnProperty.call(labels, req.key);
  const value = labels[req.key];
  switch (req.operator) {
    case '=':
    case 'in':
      return present && req.values.includes(value!);
    case '!=':
    case 'notin':
      return !present || !req.values.includes(value!);
    case 'exists':
      return present;
    case '!':
      return !present;
    case 'gt':
    case 'lt': {
      if (!present || !/^-?\d+$/.test(value!)) return false;
      const have = Number(value);
      const bound = Number(req.values[0]);
      return req.operator === 'gt' ? have > bound : have < bound;
    }
  }
}

/** A parsed field selector: true for the objects it selects. */
export type FieldMatcher = (object: Record<string, unknown>) => boolean;

/**
 * Parses a `fieldSelector` parameter. `fields` maps each field the resource supports to its reader;
 * any other field is a 400, as on the real server.
 */
export function parseFieldSelector(text: string | null | undefined, fields: ReadonlyMap<string, (object: Record<string, unknown>) => string>, resource: string): FieldMatcher {
  if (!text || text.trim() === '') return () => true;
  const terms = text.split(',').map((term) => {
    const match = /^\s*([^=!\s]+)\s*(==|=|!=)\s*(.*?)\s*$/.exec(term);
    if (!match) throw ApiError.badRequest(`invalid selector: '${text}'; can't understand '${term}'`);
    const [, field, operator, value] = match as unknown as [string, string, string, string];
    const read = fields.get(field);
    if (!read) {
      const known = [...fields.keys()].map((name) => JSON.stringify(name)).join(', ');
      throw ApiError.badRequest(`field label not supported: ${field} (${resource} support ${known})`);
    }
    return (object: Record<string, unknown>) => (read(object) === value) === (operator !== '!=');
  });
  return (object) => terms.every((term) => term(object));
}
