import type { LocationReport } from '../api/locationReport.js';

/** One revision of a location's output, resolved from Git: what summaries compare. */
export interface OutputRevision {
  /** Branch mode: the location-branch commit. Folder mode: the folder-branch commit. */
  commit: string;
  /** The content digest its `.edgeplane/placement.yaml` records. */
  digest?: string;
  /** The spec commit it was rendered from. */
  sourceCommit?: string;
  /** Each placement of the revision: its folder's tree id and its object files. */
  placements: ReadonlyMap<string, PlacementOutput>;
}

/** One placement's part of a location's output. */
export interface PlacementOutput {
  /** The id of the placement's folder; equal ids mean the placement's output is byte-identical. */
  tree?: string;
  /** The object files in the placement's folder, without the folder: `<kind>[.<group>]_[<namespace>_]<name>.yaml`. */
  files: readonly string[];
}

/** A location's latest report and, when Git knows it, the revision it says it applied. */
export interface ReportEntry {
  report: LocationReport;
  applied?: OutputRevision;
}

/** Reports built by a reader at the center (hub Argo CD, Flux), and what it could not turn into reports. */
export interface CollectedReports {
  reports: LocationReport[];
  notes: string[];
}
