import type { LabelSelector } from '../api/meta.js';

/**
 * Kubernetes LabelSelector semantics, exactly: every `matchLabels` entry and every `matchExpressions`
 * requirement must hold. `NotIn` and `DoesNotExist` hold for objects without the label. An empty selector
 * matches everything.
 */
export function matchesSelector(selector: LabelSelector, labels: Readonly<Record<string, string>> | undefined): boolean {
  const have = labels ?? {};
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (have[key] !== value) return false;
  }
  for (const req of selector.matchExpressions ?? []) {
    const present = Object.prototype.hasOwnProperty.call(have, req.key);
    const value = have[req.key];
    switch (req.operator) {
      case 'In':
        if (!present || !(req.values ?? []).includes(value!)) return false;
        break;
      case 'NotIn':
        if (present && (req.values ?? []).includes(value!)) return false;
        break;
      case 'Exists':
        if (!present) return false;
        break;
      case 'DoesNotExist':
        if (present) return false;
        break;
    }
  }
  return true;
}

/** OR across selectors: true when any matches. An empty list matches nothing. */
export function matchesAny(selectors: readonly LabelSelector[] | undefined, labels: Readonly<Record<string, string>> | undefined): boolean {
  return (selectors ?? []).some((selector) => matchesSelector(selector, labels));
}
