/**
 * Conversions between JSON data and CEL values. JSON integers become CEL `int` (a bigint), as Kubernetes does for
 * integer fields, so `obj.spec.replicas - obj.status.readyReplicas` is integer arithmetic; other numbers are
 * `double`. CEL results go back to JSON: ints and uints become numbers, lists arrays, maps objects.
 */
import { celList, celMap, isCelList, isCelMap, isCelUint, type CelInput } from '@bufbuild/cel';
import type { Json } from '../../api/kube.js';

/** A CEL input built from JSON data: integers as bigint, maps and lists as CEL's own. */
export type CelData = CelInput;

/**
 * JSON data (anything `JSON.parse` or a YAML parser returns) as CEL input. Absent (`undefined`) becomes null.
 * Conversion is lazy: a map converts a field only when an expression reads it, so an expression that reads
 * two fields of a large object converts two fields, not the object. (Handed plain objects, @bufbuild/cel would
 * copy a whole map at every field access, and keep JSON integers as doubles.)
 */
export function toCel(value: unknown): CelData {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case 'number':
      return Number.isInteger(value) ? BigInt(value) : value;
    case 'string':
    case 'boolean':
    case 'bigint':
      return value;
    case 'object':
      return Array.isArray(value) ? celList(value.map(toCel)) : celMap(new JsonMap(value as Record<string, unknown>));
    default:
      return null;
  }
}

/** A read-only map over a JSON object that converts each field to CEL input when it is read. */
class JsonMap implements ReadonlyMap<string, CelData> {
  readonly #object: Record<string, unknown>;

  constructor(object: Record<string, unknown>) {
    this.#object = object;
  }

  get size(): number {
    let n = 0;
    for (const key in this.#object) if (this.#has(key)) n++;
    return n;
  }

  get(key: unknown): CelData | undefined {
    return typeof key === 'string' && this.#has(key) ? toCel(this.#object[key]) : undefined;
  }

  has(key: unknown): boolean {
    return typeof key === 'string' && this.#has(key);
  }

  *keys(): MapIterator<string> {
    for (const key in this.#object) if (this.#has(key)) yield key;
  }

  *values(): MapIterator<CelData> {
    for (const key of this.keys()) yield toCel(this.#object[key]);
  }

  *entries(): MapIterator<[string, CelData]> {
    for (const key of this.keys()) yield [key, toCel(this.#object[key])];
  }

  [Symbol.iterator](): MapIterator<[string, CelData]> {
    return this.entries();
  }

  forEach(callback: (value: CelData, key: string, map: ReadonlyMap<string, CelData>) => void, thisArg?: unknown): void {
    for (const [key, value] of this.entries()) callback.call(thisArg, value, key, this);
  }

  #has(key: string): boolean {
    return Object.prototype.hasOwnProperty.call(this.#object, key) && this.#object[key] !== undefined;
  }
}

/** A CEL result as JSON. Integers outside the safe range stay exact as decimal strings. */
export function fromCel(value: unknown): Json {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case 'bigint':
      return bigintToJson(value);
    case 'number':
      return Number.isFinite(value) ? value : String(value);
    case 'string':
    case 'boolean':
      return value;
    case 'object':
      break;
    default:
      return String(value);
  }
  if (isCelUint(value)) return bigintToJson(value.value);
  if (isCelList(value)) return [...value].map(fromCel);
  if (isCelMap(value)) {
    const out: { [key: string]: Json } = {};
    for (const [key, field] of value) out[String(isCelUint(key) ? key.value : key)] = fromCel(field);
    return out;
  }
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (Array.isArray(value)) return value.map(fromCel);
  const proto = Object.getPrototypeOf(value) as object | null;
  if (proto === Object.prototype || proto === null) {
    const out: { [key: string]: Json } = {};
    for (const [key, field] of Object.entries(value as Record<string, unknown>)) out[key] = fromCel(field);
    return out;
  }
  return String(value);
}

/** A number for aggregation: CEL numbers, and strings that parse as numbers (KubeStellar's rule); else undefined. */
export function numericValue(value: unknown): number | undefined {
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (isCelUint(value)) return Number(value.value);
  if (typeof value === 'string' && value.trim() !== '') {
    const parsed = Number(value);
    return Number.isFinite(parsed) ? parsed : undefined;
  }
  return undefined;
}

/** True for the values `groupBy` accepts: string, number, bool, null. */
export function isAtomic(value: unknown): boolean {
  return value === null || ['string', 'number', 'bigint', 'boolean'].includes(typeof value) || isCelUint(value);
}

function bigintToJson(value: bigint): number | string {
  return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(value) : value.toString();
}
