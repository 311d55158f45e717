/**
 * The two JSON encodings of a scenario run: the file people diff (`scenario.json`), and the copy embedded in
 * the HTML report, which must not be able to end its `<script>` element early.
 */

/**
 * `value` as 2-space JSON with every object's keys sorted (arrays keep their order) and a final newline:
 * the same run gives the same bytes, whatever order its producer built the objects in. Keys whose value is
 * `undefined` are left out, as `JSON.stringify` does.
 */
export function stableJson(value: unknown): string {
  return `${JSON.stringify(sortKeys(value), null, 2)}\n`;
}

/**
 * `value` as JSON text safe inside `<script type="application/json">…</script>`: `<`, `>` and `&` are written
 * as `\u003c`, `\u003e`, `\u0026`, so no string in the data (`</script>`, `<!--`) can close or confuse the
 * element, and U+2028/U+2029 are escaped for old JavaScript parsers. `JSON.parse` of the element's text gives
 * back exactly `value`.
 */
export function scriptJson(value: unknown): string {
  return JSON.stringify(sortKeys(value)).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  // No prototype: a key named `__proto__` stays a key.
  const out = Object.create(null) as Record<string, unknown>;
  for (const key of Object.keys(value).sort()) out[key] = sortKeys((value as Record<string, unknown>)[key]);
  return out;
}
