import { strict as assert } from 'node:assert';
import type { ObjectReport } from '../api/locationReport.js';
import type { StatusCollector } from '../api/statusCollector.js';
import { ProblemList } from '../errors/problem.js';
import { parseYamlDocuments } from '../load/yamlDocuments.js';
import { toCel } from './cel/celValue.js';
import { compileCollector, type CompiledCollector } from './compileCollector.js';
import { runCollector, type CollectorSubject } from './runCollector.js';

function collector(spec: string): CompiledCollector {
  const problems = new ProblemList();
  const [doc] = parseYamlDocuments(`apiVersion: edgeplane.io/v1alpha1\nkind: StatusCollector\nmetadata: {name: c}\nspec:\n${spec}`, 'c.yaml', problems);
  const compiled = compileCollector({ value: doc!.value as StatusCollector, doc: doc!, file: 'c.yaml', id: 'StatusCollector/c' }, problems);
  assert.deepEqual(problems.problems, []);
  return compiled!;
}

/** Deployments at three locations: replicas and ready as given; `region` label per location. */
function subjects(rows: [location: string, region: string, ready: unknown, replicas: number, health?: ObjectReport['health']][]): CollectorSubject[] {
  const contexts = new Map<string, { location: ReturnType<typeof toCel>; report: ReturnType<typeof toCel> }>();
  return rows.map(([location, region, ready, replicas, health = 'Healthy'], i) => {
    const context = contexts.get(location) ?? { location: toCel({ name: location, labels: { region }, annotations: {}, params: {} }), report: toCel({ state: 'healthy' }) };
    contexts.set(location, context);
    const status = ready === undefined ? {} : { readyReplicas: ready };
    const object: ObjectReport = { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'ns', name: `d${i}`, health, spec: { replicas }, status };
    return {
      location,
      object,
      context: context as CollectorSubject['context'],
      bindings: () => ({ ...context, obj: toCel({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: `d${i}` }, spec: { replicas }, status }), health: toCel({ status: health, message: '' }) }),
    };
  });
}

const FLEET = subjects([
  ['a', 'eu', 2, 2],
  ['a', 'eu', 1, 3, 'Progressing'],
  ['b', 'us', 0, 2, 'Degraded'],
  ['c', 'eu', 4, 4],
  ['d', 'us', '3', 3],
]);

describe('runCollector', () => {
  it('groups and aggregates: COUNT, SUM, AVG, MIN, MAX; numeric strings count as numbers', () => {
    const result = runCollector(
      collector(
        '  groupBy: [{name: region, expr: location.labels.region}]\n  combinedFields:\n  - {name: n, type: COUNT}\n  - {name: ready, type: SUM, expr: obj.status.readyReplicas}\n  - {name: avg, type: AVG, expr: obj.status.readyReplicas}\n  - {name: min, type: MIN, expr: obj.spec.replicas}\n  - {name: max, type: MAX, expr: obj.spec.replicas}\n',
      ),
      FLEET,
    );
    assert.deepEqual(result.columns, ['region', 'n', 'ready', 'avg', 'min', 'max']);
    assert.deepEqual(result.rows, [
      ['eu', 3, 7, 7 / 3, 2, 4],
      ['us', 2, 3, 1.5, 2, 3],
    ]);
    assert.equal(result.objects, 5);
    assert.equal(result.errors, undefined);
  });

  it('filters first (null reads as false), and without groupBy gives one row, even over no objects', () => {
    const c = collector('  filter: obj.status.readyReplicas < obj.spec.replicas\n  combinedFields: [{name: short, type: COUNT}, {name: missing, type: SUM, expr: obj.spec.replicas - obj.status.readyReplicas}]\n');
    assert.deepEqual(runCollector(c, FLEET.slice(0, 3)).rows, [[2, 4]]);
    assert.deepEqual(runCollector(c, []).rows, [[0, null]]);
  });

  it('selects one row per object in the order given, up to the limit, with the total', () => {
    const result = runCollector(collector('  select: [{name: at, expr: location.name}, {name: ready, expr: obj.status.readyReplicas}, {name: health, expr: health.status}]\n  limit: 2\n'), FLEET);
    assert.deepEqual(result.rows, [
      ['a', 2, 'Healthy'],
      ['a', 1, 'Progressing'],
    ]);
    assert.equal(result.totalRows, 5);
  });

  it('an expression that fails for one object is counted and named; the others still count', () => {
    const rows = subjects([
      ['a', 'eu', 2, 2],
      ['b', 'eu', undefined, 2],
      ['c', 'eu', 'many', 2],
    ]);
    const result = runCollector(collector('  combinedFields: [{name: n, type: COUNT}, {name: ready, type: SUM, expr: obj.status.readyReplicas}]\n'), rows);
    assert.deepEqual(result.rows, [[3, 2]]);
    assert.equal(result.errors!.count, 2);
    assert.match(result.errors!.first[0]!, /^b Deployment\/ns\/d1: ready: /);
    assert.equal(result.errors!.first[1], 'c Deployment/ns/d2: ready: gives "many", not a number');
  });

  it('a filter or groupBy of the wrong type at run time is an error, not a crash', () => {
    const filter = runCollector(collector('  filter: obj.status.readyReplicas\n  combinedFields: [{name: n, type: COUNT}]\n'), FLEET.slice(0, 1));
    assert.deepEqual([filter.rows, filter.errors?.first], [[[0]], ['a Deployment/ns/d0: filter: gives 2, not a bool']]);
    const group = runCollector(collector('  groupBy: [{name: s, expr: obj.status}]\n  combinedFields: [{name: n, type: COUNT}]\n'), FLEET.slice(0, 1));
    assert.deepEqual(group.rows, []);
    assert.match(group.errors!.first[0]!, /groupBy needs a string, number, bool or null/);
  });

  it('orders groups by value: null, booleans, numbers, strings', () => {
    const result = runCollector(collector('  groupBy: [{name: r, expr: "obj.status.readyReplicas == 0 ? null : (obj.status.readyReplicas == 1 ? true : obj.status.readyReplicas)"}]\n  combinedFields: [{name: n, type: COUNT}]\n'), FLEET);
    assert.deepEqual(result.rows, [[null, 1], [true, 1], [2, 1], [4, 1], ['3', 1]]);
  });
});
