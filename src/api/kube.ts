/** A Kubernetes object as edgeplane handles it: plain JSON data with the identifying fields typed. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: KubeMeta;
  [field: string]: unknown;
}

export interface KubeMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  [field: string]: unknown;
}

/** Plain JSON data. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** The API group of an `apiVersion`: '' for the core group (`v1`). */
export function apiGroupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/** A key that identifies an object at one location: `group/Kind/namespace/name`. */
export function objectKey(object: KubeObject): string {
  return `${apiGroupOf(object.apiVersion)}/${object.kind}/${object.metadata.namespace ?? ''}/${object.metadata.name}`;
}
