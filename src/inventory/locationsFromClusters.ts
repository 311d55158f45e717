/**
 * ClusterRecords as Locations: DNS-1123 names, the server checked, collisions reported. Pure.
 */
import type { Consumer, Location } from '../api/location.js';
import { API_VERSION } from '../api/meta.js';
import type { ClusterRecord, ImportProblem } from './clusterRecord.js';
import { toLocationName } from './locationName.js';

/** A Location made from one cluster, and where the cluster came from. */
export interface ImportedLocation {
  source: string;
  location: Location;
}

/** The Locations made, and what kept the others from being made. */
export interface LocationsResult {
  /** Sorted by name; only clusters without problems. */
  locations: ImportedLocation[];
  problems: ImportProblem[];
  /** Things worth telling that are not wrong: a cluster name changed to become a location name. */
  notes: string[];
}

const SERVER = /^https?:\/\/[^\s]+$/;

/**
 * Makes a Location of each cluster. Reported, and left out: a name with nothing usable in it, a server
 * that is not an http(s) URL, two clusters with one location name or one server, and a name some
 * Location of the spec repo already has (`taken`: name → file).
 */
export function locationsFromClusters(clusters: readonly ClusterRecord[], options: { consumer?: Consumer; taken?: ReadonlyMap<string, string> } = {}): LocationsResult {
  const problems: ImportProblem[] = [];
  const notes: string[] = [];
  const named: { cluster: ClusterRecord; name: string }[] = [];
  for (const cluster of clusters) {
    const name = toLocationName(cluster.name);
    if (name === undefined) {
      problems.push({ source: cluster.source, message: `cannot make a location name of the cluster name ${JSON.stringify(cluster.name)}`, hint: 'give the cluster a name with letters or digits' });
      continue;
    }
    if (!SERVER.test(cluster.server)) {
      problems.push({ source: cluster.source, message: `the server ${JSON.stringify(cluster.server)} is not an http(s) URL`, hint: 'set the cluster server to the API URL, e.g. https://10.0.0.5:6443' });
      continue;
    }
    if (name !== cluster.name) notes.push(`${cluster.source}: cluster ${JSON.stringify(cluster.name)} becomes location ${JSON.stringify(name)}`);
    named.push({ cluster, name });
  }

  const byName = groupBy(named, (n) => n.name);
  const byServer = groupBy(named, (n) => n.cluster.server);
  const locations: ImportedLocation[] = [];
  for (const { cluster, name } of named) {
    const sameName = byName.get(name)!.filter((n) => n.cluster !== cluster);
    const sameServer = byServer.get(cluster.server)!.filter((n) => n.cluster !== cluster);
    const existing = options.taken?.get(name);
    if (sameName.length > 0) {
      problems.push({
        source: cluster.source,
        message: `location name ${JSON.stringify(name)} (from cluster ${JSON.stringify(cluster.name)}) is also made from ${sameName.map((n) => `${n.cluster.source} (cluster ${JSON.stringify(n.cluster.name)})`).join(', ')}`,
        hint: 'rename one of the clusters so that their names differ in letters or digits',
      });
    } else if (sameServer.length > 0) {
      problems.push({
        source: cluster.source,
        message: `server ${cluster.server} is also the server of ${sameServer.map((n) => n.cluster.source).join(', ')}: one cluster would become two locations`,
        hint: 'remove the duplicate, or import one of them (--context picks one kubeconfig context)',
      });
    } else if (existing !== undefined) {
      problems.push({ source: cluster.source, message: `location ${JSON.stringify(name)} already exists in ${existing}`, hint: 'remove or rename that Location, or rename the cluster' });
    } else {
      locations.push({ source: cluster.source, location: toLocation(name, cluster, options.consumer) });
    }
  }
  locations.sort((a, b) => (a.location.metadata.name < b.location.metadata.name ? -1 : 1));
  return { locations, problems, notes: notes.sort() };
}

function toLocation(name: string, cluster: ClusterRecord, consumer: Consumer | undefined): Location {
  const metadata: Location['metadata'] = { name };
  if (Object.keys(cluster.labels).length > 0) metadata.labels = { ...cluster.labels };
  if (Object.keys(cluster.annotations).length > 0) metadata.annotations = { ...cluster.annotations };
  return {
    apiVersion: API_VERSION,
    kind: 'Location',
    metadata,
    spec: { ...(consumer ? { consumer } : {}), cluster: { server: cluster.server } },
  };
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return groups;
}
