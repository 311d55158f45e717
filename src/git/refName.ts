/**
 * Full ref names as `git check-ref-format` accepts them, checked before a name reaches git's stdin or argv, so
 * a bad location name fails with a clear error instead of a confusing git message (or an option injection).
 */
import { EdgeplaneError } from '../errors/edgeplaneError.js';

/** Why `ref` is not a valid full ref name, or null when it is. */
export function refNameProblem(ref: string): string | null {
  if (!ref.startsWith('refs/')) return 'must start with refs/';
  if (/[\x00-\x20\x7f~^:?*[\\]/.test(ref)) return 'must not contain spaces, control characters or any of ~ ^ : ? * [ \\';
  if (ref.includes('..')) return 'must not contain ..';
  if (ref.includes('@{')) return 'must not contain @{';
  if (ref.endsWith('/') || ref.endsWith('.')) return 'must not end with / or .';
  for (const component of ref.split('/')) {
    if (component === '') return 'must not contain an empty component (//)';
    if (component.startsWith('.')) return 'no component may start with .';
    if (component.endsWith('.lock')) return 'no component may end with .lock';
  }
  return null;
}

/** Throws BAD_ARGUMENT naming the ref and the rule it breaks. */
export function assertRefName(ref: string): void {
  const problem = refNameProblem(ref);
  if (problem !== null) {
    const message = `${JSON.stringify(ref)} is not a valid ref name: it ${problem}`;
    throw new EdgeplaneError('BAD_ARGUMENT', message, { ref, problem });
  }
}
