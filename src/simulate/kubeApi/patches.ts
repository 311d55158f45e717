/**
 * PATCH bodies by Content-Type, as kube-apiserver accepts them:
 *
 * - `application/json-patch+json`: RFC 6902 (what @kubernetes/client-node's generated APIs send by default).
 * - `application/merge-patch+json`: RFC 7386.
 * - `application/strategic-merge-patch+json`: built-in kinds only; custom resources answer 415.
 * - `application/apply-patch+yaml`: server-side apply, approximated (see `applyPatch`).
 */
import { parse as parseYaml } from 'yaml';
import { applyJsonPatch } from '../../render/jsonPatch.js';
import { strategicMerge } from '../../render/strategicMerge.js';
import type { JsonPatchOperation } from '../../api/customizer.js';
import type { ResourceType } from './catalog.js';
import { ApiError } from './status.js';
import type { StoredObject } from './store.js';

/** The PATCH media types kube-apiserver takes. */
export const JSON_PATCH = 'application/json-patch+json';
export const MERGE_PATCH = 'application/merge-patch+json';
export const STRATEGIC_MERGE_PATCH = 'application/strategic-merge-patch+json';
export const APPLY_PATCH = 'application/apply-patch+yaml';

/** The media type of a Content-Type header, without parameters. */
export function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase();
}

/** Parses a PATCH body of `type`; 415 for a media type the resource does not take, 400 for bad syntax. */
export function parsePatch(type: ResourceType, contentType: string, text: string): unknown {
  const accepted = type.custom ? [JSON_PATCH, MERGE_PATCH, APPLY_PATCH] : [JSON_PATCH, MERGE_PATCH, STRATEGIC_MERGE_PATCH, APPLY_PATCH];
  if (!accepted.includes(contentType)) throw ApiError.unsupportedMediaType(contentType, accepted);
  try {
    return contentType === APPLY_PATCH ? parseYaml(text) : JSON.parse(text);
  } catch (error) {
    throw ApiError.badRequest(`error decoding patch: ${(error as Error).message}`);
  }
}

/** Applies a parsed patch to a copy of `stored` (absent only for apply, which creates). */
export function applyPatch(type: ResourceType, contentType: string, stored: StoredObject | undefined, patch: unknown): StoredObject {
  const target = structuredClone(stored ?? ({ metadata: {} } as StoredObject));
  switch (contentType) {
    case JSON_PATCH: {
      if (!Array.isArray(patch)) throw ApiError.badRequest('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
      try {
        return asObject(applyJsonPatch(target, patch as JsonPatchOperation[]));
      } catch (error) {
        throw new ApiError(422, 'Invalid', `the server rejected our request due to an error in our request: ${(error as Error).message}`);
      }
    }
    case MERGE_PATCH:
      return asObject(mergePatch(target, patch));
    case STRATEGIC_MERGE_PATCH:
      try {
        return asObject(strategicMerge(target, patch));
      } catch (error) {
        throw new ApiError(422, 'Invalid', (error as Error).message);
      }
    default:
      // Server-side apply without field ownership: the applied configuration is merged over the live
      // object (keyed lists of built-in kinds merge, other lists are replaced); fields the applier stopped
      // sending are kept, and no conflicts are detected.
      return asObject(type.custom ? mergePatch(target, patch) : strategicMerge(target, patch));
  }
}

function asObject(value: unknown): StoredObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ApiError(422, 'Invalid', 'the patch does not leave an object');
  const object = value as StoredObject;
  if (typeof object.metadata !== 'object' || object.metadata === null) object.metadata = {};
  return object;
}

/** RFC 7386: maps merge recursively, `null` deletes, anything else replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return structuredClone(patch);
  const result: Record<string, unknown> = typeof target === 'object' && target !== null && !Array.isArray(target) ? (target as Record<string, unknown>) : {};
  for (const [key, value] of Object.entries(patch as Record<string, unknown>)) {
    const current = Object.prototype.hasOwnProperty.call(result, key) ? result[key] : undefined;
    if (value === null) delete result[key];
    else Object.defineProperty(result, key, { value: mergePatch(current, value), enumerable: true, writable: true, configurable: true });
  }
  return result;
}
