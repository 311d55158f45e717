/**
 * The spec repo the scenario pushes: the bundled `fixtures/groundstations`, optionally cut down to a smaller fleet,
 * with the forge URL pointed at the local forge, and the edits the scenarios make (the telemetry image).
 *
 * Everything here is text in, text out: the fixture's comments and layout survive, so the pushed repo reads like
 * the fixture a person would clone.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments, parseDocument } from 'yaml';
import { EdgeplaneError } from '../../errors/edgeplaneError.js';
import { parseDuration } from '../../rollout/duration.js';

/** The folder of the bundled fixture, relative to the package root. */
export const FIXTURE = 'fixtures/groundstations';

/** What the scenario needs to know of one station (from its Location's labels). */
export interface Station {
  name: string;
  region: string;
  linkClass: string;
  ring: string;
  /** The inventory file it is declared in. */
  file: string;
}

/** The forge section of `edgeplane.yaml`, as the fixture declares it. */
export interface ForgeSection {
  owner: string;
  repo: string;
  tokenEnv: string;
}

/** Every file of the fixture folder, path (with `/`) → text. */
export function readFixture(root: string): Record<string, string> {
  if (!fs.existsSync(path.join(root, 'edgeplane.yaml'))) {
    throw new EdgeplaneError('NOT_FOUND', `${root} has no edgeplane.yaml: the ground-station fixture is missing from this installation`, { root });
  }
  const files: Record<string, string> = {};
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else files[path.relative(root, full).split(path.sep).join('/')] = fs.readFileSync(full, 'utf8');
    }
  };
  walk(root);
  return files;
}

/** The stations of the inventory files, in file then document order. Throws naming the file of a bad document. */
export function stationsOf(files: Readonly<Record<string, string>>): Station[] {
  const stations: Station[] = [];
  for (const file of inventoryFiles(files)) {
    for (const doc of parseAllDocuments(files[file]!)) {
      const value = doc.toJS() as { kind?: string; metadata?: { name?: string; labels?: Record<string, string> } } | null;
      if (value?.kind !== 'Location') continue;
      const name = value.metadata?.name;
      const labels = value.metadata?.labels ?? {};
      if (!name || !labels['region'] || !labels['linkClass']) {
        throw new EdgeplaneError('INVALID_SPEC', `${file}: Location ${name ?? '(unnamed)'} lacks metadata.name or the region / linkClass labels the scenario needs`, { file });
      }
      stations.push({ name, region: labels['region'], linkClass: labels['linkClass'], ring: labels['ring'] ?? 'stable', file });
    }
  }
  return stations;
}

/**
 * A deterministic subset of `count` stations that keeps every region and its canary: each region's canary first,
 * then one station of each region in turn, in inventory order, until `count`. Throws BAD_ARGUMENT when `count`
 * cannot keep one canary per region or exceeds the fleet.
 */
export function chooseStations(stations: readonly Station[], count: number): Station[] {
  const regions = [...new Set(stations.map((s) => s.region))];
  if (!Number.isInteger(count) || count < regions.length || count > stations.length) {
    throw new EdgeplaneError(
      'BAD_ARGUMENT',
      `--stations must be a whole number from ${regions.length} (one canary per region) to ${stations.length} (the whole fleet), not ${count}`,
      { count },
    );
  }
  const queues = regions.map((region) => {
    const own = stations.filter((s) => s.region === region);
    return [...own.filter((s) => s.ring === 'canary'), ...own.filter((s) => s.ring !== 'canary')];
  });
  const chosen = new Set<string>();
  for (let round = 0; chosen.size < count; round++) {
    for (const queue of queues) if (round < queue.length && chosen.size < count) chosen.add(queue[round]!.name);
  }
  return stations.filter((s) => chosen.has(s.name));
}

/** The fixture's files with only `keep` stations left in the inventory (comments and other documents kept). */
export function withInventory(files: Readonly<Record<string, string>>, keep: ReadonlySet<string>): Record<string, string> {
  const out = { ...files };
  for (const file of inventoryFiles(files)) {
    const chunks = files[file]!.split(/^---[ \t]*\n/m);
    // The file's opening comment describes the whole file: it stays even when its first station goes.
    const header = /^(?:#[^\n]*\n|\s*\n)*/.exec(chunks[0]!)![0];
    chunks[0] = chunks[0]!.slice(header.length);
    const kept = chunks.filter((text) => {
      if (text.trim() === '') return false;
      const value = parseDocument(text).toJS() as { kind?: string; metadata?: { name?: string } } | null;
      return value?.kind !== 'Location' || keep.has(value.metadata?.name ?? '');
    });
    out[file] = header + kept.map((text) => text.replace(/\n*$/, '\n')).join('---\n');
  }
  return out;
}

/** The forge section of `edgeplane.yaml`; throws naming the file when the fixture has none. */
export function forgeSection(files: Readonly<Record<string, string>>): ForgeSection {
  const settings = parseDocument(files['edgeplane.yaml'] ?? '').toJS() as { spec?: { forge?: Partial<ForgeSection> } } | null;
  const forge = settings?.spec?.forge;
  if (!forge?.owner || !forge.repo || !forge.tokenEnv) {
    throw new EdgeplaneError('INVALID_SPEC', `${FIXTURE}/edgeplane.yaml: spec.forge needs owner, repo and tokenEnv for the scenario's reviewed rollouts`, {});
  }
  return { owner: forge.owner, repo: forge.repo, tokenEnv: forge.tokenEnv };
}

/** `edgeplane.yaml` with `spec.forge.url` set to `url` (the rest of the file, comments included, unchanged). */
export function withForgeUrl(files: Readonly<Record<string, string>>, url: string): Record<string, string> {
  const doc = parseDocument(files['edgeplane.yaml'] ?? '');
  if (!doc.hasIn(['spec', 'forge'])) throw new EdgeplaneError('INVALID_SPEC', `${FIXTURE}/edgeplane.yaml has no spec.forge to point at the local forge`, {});
  doc.setIn(['spec', 'forge', 'url'], url);
  return { ...files, 'edgeplane.yaml': doc.toString() };
}

/** `spec.status.staleAfter` of `edgeplane.yaml` in milliseconds (default 15m, as edgeplane's). */
export function staleAfterMs(files: Readonly<Record<string, string>>): number {
  const settings = parseDocument(files['edgeplane.yaml'] ?? '').toJS() as { spec?: { status?: { staleAfter?: string } } } | null;
  const text = settings?.spec?.status?.staleAfter ?? '15m';
  const ms = parseDuration(text);
  if (ms === undefined) throw new EdgeplaneError('INVALID_SPEC', `${FIXTURE}/edgeplane.yaml: spec.status.staleAfter ${JSON.stringify(text)} is not a duration`, {});
  return ms;
}

/** `edgeplane.yaml` with `spec.status.staleAfter` set to `ms` (as whole seconds). */
export function withStaleAfter(files: Readonly<Record<string, string>>, ms: number): Record<string, string> {
  const doc = parseDocument(files['edgeplane.yaml'] ?? '');
  doc.setIn(['spec', 'status', 'staleAfter'], `${Math.ceil(ms / 1000)}s`);
  return { ...files, 'edgeplane.yaml': doc.toString() };
}

/** Rollout settings a run may override: shorter soaks and fewer batches make a quick run (the CI test). */
export interface RolloutOverrides {
  soak?: string | undefined;
  maxUnavailable?: string | number | undefined;
  progressDeadline?: string | undefined;
}

/** `spec.rollout.<key>` of `placement` as written, or undefined. */
export function rolloutField(files: Readonly<Record<string, string>>, placement: string, key: string): unknown {
  for (const [file, text] of Object.entries(files)) {
    if (!file.startsWith('placements/')) continue;
    const doc = parseDocument(text);
    if (doc.getIn(['metadata', 'name']) === placement) return doc.getIn(['spec', 'rollout', key]);
  }
  return undefined;
}

/**
 * The files with `spec.rollout` of `placement` changed as `overrides` say (comments and the rest of the file
 * kept). Throws naming the placement when no file declares it with a rollout.
 */
export function withRolloutOverrides(files: Readonly<Record<string, string>>, placement: string, overrides: RolloutOverrides): Record<string, string> {
  const changes = Object.entries(overrides).filter(([, value]) => value !== undefined);
  if (changes.length === 0) return { ...files };
  for (const [file, text] of Object.entries(files)) {
    if (!file.startsWith('placements/')) continue;
    const doc = parseDocument(text);
    if (doc.getIn(['metadata', 'name']) !== placement || !doc.hasIn(['spec', 'rollout'])) continue;
    for (const [key, value] of changes) doc.setIn(['spec', 'rollout', key], value);
    return { ...files, [file]: doc.toString() };
  }
  throw new EdgeplaneError('INVALID_SPEC', `no placement ${placement} with spec.rollout in ${FIXTURE}/placements to apply the rollout overrides to`, { placement });
}

/** The workload file holding the telemetry Deployment's image. */
export const TELEMETRY_FILE = 'workloads/telemetry-ingest/ingest.yaml';
const TELEMETRY_IMAGE = /(image:\s*\S*telemetry-ingest:)(\S+)/;

/** The tag of the telemetry image in `files`. */
export function telemetryTag(files: Readonly<Record<string, string>>): string {
  const match = TELEMETRY_IMAGE.exec(files[TELEMETRY_FILE] ?? '');
  if (!match) throw new EdgeplaneError('INVALID_SPEC', `${FIXTURE}/${TELEMETRY_FILE}: no telemetry-ingest image to change`, {});
  return match[2]!;
}

/** The full telemetry image reference at `tag` (the registry and repository of the fixture's image). */
export function telemetryImage(files: Readonly<Record<string, string>>, tag: string): string {
  const match = /image:\s*(\S*telemetry-ingest):/.exec(files[TELEMETRY_FILE] ?? '');
  if (!match) throw new EdgeplaneError('INVALID_SPEC', `${FIXTURE}/${TELEMETRY_FILE}: no telemetry-ingest image`, {});
  return `${match[1]}:${tag}`;
}

/** `{ [TELEMETRY_FILE]: text with the image tag set to tag }`, a change to commit. */
export function telemetryImageChange(files: Readonly<Record<string, string>>, tag: string): Record<string, string> {
  return { [TELEMETRY_FILE]: files[TELEMETRY_FILE]!.replace(TELEMETRY_IMAGE, `$1${tag}`) };
}

function inventoryFiles(files: Readonly<Record<string, string>>): string[] {
  return Object.keys(files)
    .filter((file) => file.startsWith('inventory/') && file.endsWith('.yaml'))
    .sort();
}
