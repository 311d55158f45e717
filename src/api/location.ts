import type { ObjectMeta } from './meta.js';

/** How a location pulls its output. */
export type Consumer = 'argocd' | 'flux' | 'kubectl';

/** Every consumer edgeplane knows, in documentation order. */
export const CONSUMERS: readonly Consumer[] = ['argocd', 'flux', 'kubectl'];

/** A customization property value: what `params` may hold. */
export type ParamValue = string | number | boolean | null | ParamValue[] | { [key: string]: ParamValue };

/**
 * `kind: Location` — one edge destination (one cluster).
 * Lives in `inventory/*.yaml` of the spec repo.
 */
export interface Location {
  apiVersion: 'edgeplane.io/v1alpha1';
  kind: 'Location';
  metadata: ObjectMeta;
  spec?: LocationSpec;
}

export interface LocationSpec {
  /** How this edge pulls: `argocd`, `flux` or `kubectl`. Default: `defaults.consumer` of edgeplane.yaml. */
  consumer?: Consumer;
  /** Customization properties with the highest precedence (see docs/api.md, "Properties"). */
  params?: Record<string, ParamValue>;
  /**
   * Optional: where the location's Kubernetes API is, for reading status. Never credentials: those live in
   * the agent's cluster or in files named by edgeplane's own configuration.
   */
  cluster?: { server: string };
}
