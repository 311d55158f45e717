/**
 * KubeStellar's parameter expansion, for objects annotated `edgeplane.io/expand-parameters: "true"`: every
 * `%(name)` in a string value is replaced by the property `name`. As in KubeStellar (edge-mc
 * `pkg/customize`), only string values are expanded (never map keys), a `%` not followed by `(` is kept as
 * it is, and there is no escape: `%(` always starts a reference. Unlike KubeStellar, which leaves an
 * unknown reference in place, an undefined name is an error; and a string that is exactly `%(name)` takes the
 * property's value with its type (a number stays a number).
 */
import { cloneJson, formatJsonPath, isMap } from './jsonValue.js';
import { RenderError } from './renderError.js';

/**
 * Expands `%(name)` references in every string value of `object`, looking names up with `lookup` (which
 * returns `undefined` for an unknown name). Maps and lists are updated in place; the return value is
 * `object`, or the expanded value when `object` itself is a string. Throws a `RenderError` (code `template`)
 * naming the parameter and the JSON path of the string it occurs in.
 */
export function expandParameters(object: unknown, lookup: (name: string) => unknown): unknown {
  return expand(object, lookup, []);
}

function expand(value: unknown, lookup: (name: string) => unknown, path: (string | number)[]): unknown {
  if (typeof value === 'string') return value.includes('%(') ? expandString(value, lookup, path) : value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const item = value[i];
      if (typeof item === 'string' && !item.includes('%(')) continue;
      path.push(i);
      value[i] = expand(item, lookup, path);
      path.pop();
    }
  } else if (isMap(value)) {
    for (const key of Object.keys(value)) {
      const item = value[key];
      if (typeof item === 'string' && !item.includes('%(')) continue;
      path.push(key);
      value[key] = expand(item, lookup, path);
      path.pop();
    }
  }
  return value;
}

function expandString(text: string, lookup: (name: string) => unknown, path: readonly (string | number)[]): unknown {
  let out = '';
  let from = 0;
  for (;;) {
    const start = text.indexOf('%(', from);
    if (start < 0) break;
    const end = text.indexOf(')', start + 2);
    if (end < 0) {
      throw expandError(path, `unterminated parameter reference ${JSON.stringify(text.slice(start))}`, 'close the reference: %(name)');
    }
    const name = text.slice(start + 2, end);
    if (name.length === 0) throw expandError(path, 'empty parameter reference %()', 'write %(name) with the name of a property');
    const value = lookup(name);
    if (value === undefined) {
      throw expandError(
        path,
        `parameter %(${name}) is not defined`,
        `define ${name} in the Location's spec.params, as a Location label or annotation, or in a Customizer's spec.params`,
      );
    }
    if (start === 0 && end === text.length - 1) return cloneJson(value);
    if (typeof value === 'object' && value !== null) {
      throw expandError(path, `parameter %(${name}) is a ${Array.isArray(value) ? 'list' : 'map'} and cannot be part of a longer string`, `make the string exactly %(${name}) to insert the value itself`);
    }
    out += text.slice(from, start) + (value === null ? '' : String(value));
    from = end + 1;
  }
  return out + text.slice(from);
}

function expandError(path: readonly (string | number)[], what: string, hint: string): RenderError {
  return new RenderError({ code: 'template', message: `${what} (at ${formatJsonPath(path)})`, hint });
}
