import { strict as assert } from 'node:assert';
import { runCli } from '../support/specRepo.js';
import { statusFleetFiles, statusFleetRepo } from './statusFleet.js';

const V = 'apiVersion: edgeplane.io/v1alpha1';
const HINT = '(the variables are obj, health, location and report; see "Status collectors" in docs/status.md)';

/** The fleet's spec with some collectors replaced. */
function specWith(collectors: Record<string, string | null>): string {
  return statusFleetRepo({ ...statusFleetFiles(3, 'ingest:1.0'), ...collectors });
}

describe('StatusCollector CEL problems are reported at file:line:col, every one, before anything runs', () => {
  it('a syntax error names the collector file, the line and the column of the offending character', async () => {
    const result = await runCli(
      'validate',
      '--repo',
      specWith({
        'collectors/ready-replicas.yaml': `${V}\nkind: StatusCollector\nmetadata:\n  name: ready-replicas\nspec:\n  filter: (obj.status.readyReplicas < 2\n  combinedFields:\n  - {name: n, type: COUNT}\n`,
      }),
    );
    assert.equal(result.code, 1);
    assert.equal(
      result.err,
      `collectors/ready-replicas.yaml:6:40 StatusCollector/ready-replicas: filter: CEL syntax error at 1:30 of the expression: found end of input but expecting ')' ${HINT}\n\n1 problem(s).\n`,
    );
  });

  it('a type error names the file and line, also inside a multi-line block and a quoted value', async () => {
    const result = await runCli(
      'validate',
      '--repo',
      specWith({
        'collectors/pending-images.yaml': [
          V,
          'kind: StatusCollector',
          'metadata: {name: pending-images}',
          'spec:',
          '  filter: |',
          '    has(obj.status) &&',
          '      location.name > 2',
          '  groupBy:',
          '  - name: region',
          '    expr: "location.labels"',
          '  combinedFields:',
          "  - {name: total, type: SUM, expr: 'location.nmae'}",
          '  - {name: images, type: MAX, expr: obj.spec.image + 1.5}',
          '',
        ].join('\n'),
      }),
    );
    assert.equal(result.code, 1);
    assert.deepEqual(result.err.split('\n').filter((l) => l.startsWith('collectors/')), [
      `collectors/pending-images.yaml:7:21 StatusCollector/pending-images: filter: CEL type error at 2:17 of the expression: no matching overload for '_>_' applied to (string, int) ${HINT}`,
      `collectors/pending-images.yaml:10:12 StatusCollector/pending-images: groupBy region: must give an atomic value to group by (string, number, bool), but gives map(string, string) ${HINT}`,
      `collectors/pending-images.yaml:12:45 StatusCollector/pending-images: combinedFields total: CEL type error at 1:9 of the expression: location has no field 'nmae' (its fields are name, labels, annotations, params) ${HINT}`,
    ]);
  });

  it('reports misuse of the fields, unknown collectors and undeclared variables; reconcile refuses the spec', async () => {
    const spec = specWith({
      'collectors/ready-replicas.yaml': `${V}\nkind: StatusCollector\nmetadata: {name: ready-replicas}\nspec:\n  groupBy: [{name: r, expr: inventory.region}]\n  select: [{name: r, expr: location.name}]\n`,
      'collectors/not-healthy.yaml': null,
    });
    const result = await runCli('validate', '--repo', spec);
    const lines = result.err.split('\n').filter((l) => /^(collectors|placements)\//.test(l));
    assert.deepEqual(lines, [
      'collectors/ready-replicas.yaml:5:3 StatusCollector/ready-replicas: `groupBy` needs `combinedFields`: there is nothing to compute per group (add combinedFields, e.g. [{name: count, type: COUNT}])',
      'collectors/ready-replicas.yaml:5:29 StatusCollector/ready-replicas: groupBy r: CEL type error at 1:1 of the expression: undeclared reference to \'inventory\' (the variables are obj, health, location, report) ' + HINT,
      'collectors/ready-replicas.yaml:6:3 StatusCollector/ready-replicas: `select` cannot be combined with `groupBy` or `combinedFields` (use select for one row per object, or groupBy + combinedFields for aggregated rows)',
      'collectors/ready-replicas.yaml:6:13 StatusCollector/ready-replicas: column "r" is defined twice (give every column of a collector its own name)',
      'placements/telemetry.yaml:7:54 EdgePlacement/telemetry: status collector "not-healthy" does not exist (add a StatusCollector named "not-healthy" under collectors/, or remove it from the list)',
    ]);
    const reconcile = await runCli('reconcile', '--repo', spec);
    assert.equal(reconcile.code, 1);
    assert.match(reconcile.err, /nothing was published/);
  });
});
