import { toCanonicalYaml } from '../../render/canonicalYaml.js';
import { worstStates, type Summary } from '../summary.js';
import { renderHealthChart } from './healthChart.js';
import { renderStatusReadme } from './statusReadme.js';

/** The picture's file name on the status branch. */
export const CHART_FILE = 'fleet-health.svg';

/**
 * Every file of the `edgeplane-status` branch for a summary: `summary/<placement>.yaml` (machine-readable, one
 * `PlacementSummary` each), `fleet.yaml` (the fleet counts and notes), `README.md` and the picture. The same
 * summary gives the same bytes, so an unchanged fleet gives the same tree and no commit.
 */
export function renderStatusFiles(summary: Summary): Map<string, string> {
  const files = new Map<string, string>();
  files.set(
    'fleet.yaml',
    toCanonicalYaml({
      apiVersion: 'edgeplane.io/v1alpha1',
      kind: 'FleetSummary',
      status: {
        specCommit: summary.specCommit,
        staleAfter: summary.staleAfter,
        locations: summary.locations,
        counts: summary.fleet,
        placements: summary.placements.map((p) => ({ name: p.metadata.name, locations: p.status.locations, counts: p.status.counts })),
        notes: summary.notes,
      },
    }),
  );
  for (const placement of summary.placements) files.set(`summary/${placement.metadata.name}.yaml`, toCanonicalYaml(placement));
  files.set('README.md', renderStatusReadme(summary, CHART_FILE));
  files.set(CHART_FILE, renderHealthChart(summary, worstStates(summary.placements)));
  return files;
}
