import type { LocationPlan } from './planLocations.js';

/** `deployment.apps_telemetry_ingest.yaml` under `telemetry/` → `telemetry: deployment.apps telemetry/ingest`. */
export function describeObjectFile(path: string): string {
  const [placement, file] = [path.slice(0, path.indexOf('/')), path.slice(path.indexOf('/') + 1, -'.yaml'.length)];
  const parts = file.split('_');
  const kind = parts[0]!;
  const name = parts.length === 3 ? `${parts[1]}/${parts[2]}` : parts[1];
  return `${placement}: ${kind} ${name}`;
}

/** How `formatLocationPlans` lays locations out. */
export interface LocationPlanLayout {
  /** Markdown heading of each location (or group): `###` in a plan, `####` inside a pull request's section. */
  heading: string;
  /**
   * Locations whose changes are the same (same change, same object rows) share one heading, listing their
   * names: a wave of identical stations reads as one table. Default false: one heading per location.
   */
  group?: boolean;
}

/**
 * Markdown tables of what changes at each location: `+` added, `~` changed, `-` removed objects, in the
 * given order of locations. Pure, byte-stable for the same plans.
 */
export function formatLocationPlans(plans: readonly LocationPlan[], layout: LocationPlanLayout): string[] {
  const sections: { names: string[]; change: string; rows: string[] }[] = [];
  const bySignature = new Map<string, (typeof sections)[number]>();
  for (const plan of plans) {
    const rows = [
      ...plan.added.map((p) => `| + | ${describeObjectFile(p)} |`),
      ...plan.changed.map((p) => `| ~ | ${describeObjectFile(p)} |`),
      ...plan.removed.map((p) => `| - | ${describeObjectFile(p)} |`),
    ];
    const signature = `${plan.change}\n${rows.join('\n')}`;
    const same = layout.group ? bySignature.get(signature) : undefined;
    if (same) {
      same.names.push(plan.location);
      continue;
    }
    const section = { names: [plan.location], change: plan.change, rows };
    sections.push(section);
    bySignature.set(signature, section);
  }
  const lines: string[] = [];
  for (const { names, change, rows } of sections) {
    const who = names.length === 1 ? names[0]! : `${names.join(', ')} (${names.length} locations)`;
    lines.push('', `${layout.heading} ${who} (${change})`, '');
    if (rows.length === 0) lines.push('Only the placement record changes (placements or consumer).');
    else lines.push('| | object |', '| --- | --- |', ...rows);
  }
  return lines;
}

/** `a, b, c` for up to `limit` names, then `and N more`. */
export function nameList(names: readonly string[], limit = 20): string {
  if (names.length <= limit) return names.join(', ');
  return `${names.slice(0, limit).join(', ')} and ${names.length - limit} more`;
}
