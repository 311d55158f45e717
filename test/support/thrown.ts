import { strict as assert } from 'node:assert';

/** The error of class `type` that `fn` throws; fails the test when it throws nothing, rethrows any other error. */
export function thrown<E extends Error>(type: new (...args: never[]) => E, fn: () => unknown): E {
  try {
    fn();
  } catch (error) {
    if (error instanceof type) return error;
    throw error;
  }
  assert.fail(`expected a ${type.name}`);
}
