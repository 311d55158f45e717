import { strict as assert } from 'node:assert';
import type { LabelSelector } from '../api/meta.js';
import { matchesAny, matchesSelector } from './labelSelector.js';

describe('label selectors (Kubernetes semantics)', () => {
  const labels = { region: 'eu-north', tier: 'groundstation', ring: 'canary' };
  const cases: [string, LabelSelector, Record<string, string> | undefined, boolean][] = [
    ['empty selector matches everything', {}, labels, true],
    ['empty selector matches an unlabeled location', {}, undefined, true],
    ['matchLabels all equal', { matchLabels: { region: 'eu-north', tier: 'groundstation' } }, labels, true],
    ['matchLabels one differs', { matchLabels: { region: 'eu-south' } }, labels, false],
    ['matchLabels missing key', { matchLabels: { zone: 'a' } }, labels, false],
    ['In matches', { matchExpressions: [{ key: 'region', operator: 'In', values: ['eu-north', 'us'] }] }, labels, true],
    ['In without the label', { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }, labels, false],
    ['NotIn excludes', { matchExpressions: [{ key: 'ring', operator: 'NotIn', values: ['canary'] }] }, labels, false],
    ['NotIn holds without the label', { matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['a'] }] }, labels, true],
    ['Exists', { matchExpressions: [{ key: 'tier', operator: 'Exists' }] }, labels, true],
    ['Exists without the label', { matchExpressions: [{ key: 'zone', operator: 'Exists' }] }, labels, false],
    ['DoesNotExist', { matchExpressions: [{ key: 'zone', operator: 'DoesNotExist' }] }, labels, true],
    ['DoesNotExist with the label', { matchExpressions: [{ key: 'ring', operator: 'DoesNotExist' }] }, labels, false],
    [
      'matchLabels AND matchExpressions',
      { matchLabels: { tier: 'groundstation' }, matchExpressions: [{ key: 'ring', operator: 'In', values: ['stable'] }] },
      labels,
      false,
    ],
  ];
  for (const [name, selector, have, expected] of cases) {
    it(name, () => assert.equal(matchesSelector(selector, have), expected));
  }

  it('ORs a list of selectors; an empty list selects nothing', () => {
    assert.equal(matchesAny([{ matchLabels: { region: 'x' } }, { matchLabels: { ring: 'canary' } }], labels), true);
    assert.equal(matchesAny([], labels), false);
    assert.equal(matchesAny(undefined, labels), false);
  });
});
