import { strict as assert } from 'node:assert';
import { toCel, fromCel } from './celValue.js';
import { compileExpression } from './compileExpression.js';

const BINDINGS = {
  obj: toCel({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'ingest', labels: { 'app.kubernetes.io/name': 'ingest' } },
    spec: { replicas: 3, template: { spec: { containers: [{ image: 'ingest:1' }, { image: 'sidecar:2' }] } } },
    status: { readyReplicas: 2, conditions: [{ type: 'Available', status: 'True' }] },
  }),
  health: { status: 'Progressing', message: '' },
  location: toCel({ name: 'kiruna', labels: { region: 'eu-north' }, annotations: {}, params: { replicas: 2, antenna: 'K-1' } }),
  report: toCel({
    observedAt: '2026-01-01T05:06:07Z',
    state: 'progressing',
    reporter: { kind: 'agent', name: '' },
    consumer: { kind: 'kubectl', sync: 'Synced', health: 'Progressing', message: '', revision: '' },
    applied: { commit: '', digest: '', sourceCommit: '', current: true },
  }),
};

const valid: [string, unknown][] = [
  ['obj.status.readyReplicas < obj.spec.replicas', true],
  ['obj.spec.replicas - obj.status.readyReplicas', 1],
  ['location.labels.region', 'eu-north'],
  ['location.params.replicas * 2', 4],
  ['obj.metadata.labels["app.kubernetes.io/name"]', 'ingest'],
  ['obj.spec.template.spec.containers.map(c, c.image).join(",")', 'ingest:1,sidecar:2'],
  ['has(obj.status.conditions) && obj.status.conditions.exists(c, c.type == "Available" && c.status == "True")', true],
  ['health.status in ["Degraded", "Missing"]', false],
  ['report.applied.current ? "current" : "old"', 'current'],
  ['timestamp(report.observedAt).getHours()', 5],
  ['size(location.labels) + location.name.size()', 7],
  ['double(obj.status.readyReplicas) / double(obj.spec.replicas) >= 0.5', true],
  ['location.name.upperAscii()', 'KIRUNA'],
  ['[1, 2, 3].filter(x, x > 1)', [2, 3]],
  ['{"a": location.name}', { a: 'kiruna' }],
  ['obj.status.readyReplicas == 2u || true', true],
];

const invalid: [string, 'syntax' | 'type', string, number, number][] = [
  ['obj.status.readyReplicas <', 'syntax', 'found < but expecting end of input', 1, 26],
  ['(location.name', 'syntax', "found end of input but expecting ')'", 1, 15],
  ['location.nmae', 'type', "location has no field 'nmae' (its fields are name, labels, annotations, params)", 1, 9],
  ['report.applied.sha', 'type', "report.applied has no field 'sha' (its fields are commit, digest, sourceCommit, current)", 1, 15],
  ['inventory.name', 'type', "undeclared reference to 'inventory' (the variables are obj, health, location, report)", 1, 1],
  ['location.name + 1', 'type', "no matching overload for '_+_' applied to (string, int)", 1, 15],
  ['location.name == 1', 'type', "no matching overload for '_==_' applied to (string, int)", 1, 15],
  ['1 + 1.0', 'type', "no matching overload for '_+_' applied to (int, double)", 1, 2],
  ['report.applied.current && "yes"', 'type', "no matching overload for '_&&_' applied to (bool, string)", 1, 27],
  ['size(1)', 'type', "no matching overload for 'size' applied to (int)", 1, 1],
  ['location.labels.region.nosuch()', 'type', "unknown method 'nosuch'", 1, 23],
  ['foo(obj)', 'type', "unknown function 'foo'", 1, 1],
  ['location.name.x', 'type', "cannot select field 'x' from a string", 1, 14],
  ['obj.a ==\n  location.name +\n  2', 'type', "no matching overload for '_+_' applied to (string, int)", 2, 17],
];

describe('compileExpression', () => {
  for (const [source, expected] of valid) {
    it(`accepts and evaluates ${source}`, () => {
      const compiled = compileExpression(source);
      assert.ok('expression' in compiled, JSON.stringify('issues' in compiled ? compiled.issues : undefined));
      const result = compiled.expression.evaluate(BINDINGS);
      assert.ok(result.ok, result.ok ? '' : result.error);
      assert.deepEqual(fromCel(result.value), expected);
    });
  }

  for (const [source, kind, message, line, col] of invalid) {
    it(`rejects ${JSON.stringify(source)}: ${kind} error at ${line}:${col}`, () => {
      const compiled = compileExpression(source);
      assert.ok('issues' in compiled, 'expected an issue');
      assert.deepEqual(compiled.issues.map((i) => [i.kind, i.message, i.at.line, i.at.col]), [[kind, message, line, col]]);
    });
  }

  it('knows which variables an expression reads, so location-only expressions run once per location', () => {
    const reads = (source: string) => {
      const compiled = compileExpression(source);
      return 'expression' in compiled ? [...compiled.expression.reads].sort() : [];
    };
    assert.deepEqual(reads('location.labels.region'), ['location']);
    assert.deepEqual(reads('obj.kind == "Deployment" && report.state == "pending"'), ['obj', 'report']);
    assert.deepEqual(reads('[1].exists(x, x == 1)'), []);
  });

  it('a runtime error is a value, never an exception', () => {
    const compiled = compileExpression('obj.status.nothing > 1');
    assert.ok('expression' in compiled);
    const result = compiled.expression.evaluate(BINDINGS);
    assert.equal(result.ok, false);
  });
});
