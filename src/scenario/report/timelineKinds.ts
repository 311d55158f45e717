/**
 * How each kind of timeline event is drawn. One record keyed by the `TimelineEvent['kind']` union, so a kind
 * added to the data shape does not compile until it has a style; the report embeds this table and its script
 * draws from it, so the page and the type cannot drift apart.
 */
import type { TimelineEvent } from '../scenarioData.js';

/** The kinds of timeline events. */
export type TimelineKind = TimelineEvent['kind'];

/** The mark of one kind: a colour, a shape (colour is never the only cue) and whether it also rules a line across the chart. */
export interface KindStyle {
  label: string;
  colour: string;
  shape: 'circle' | 'square' | 'diamond' | 'triangle' | 'bar';
  /** Milestones get a faint vertical line through the curve; frequent kinds (one per station) do not. */
  guide: boolean;
}

/** Every kind, in the order of the timeline's lanes (top to bottom): the rollout's story first, stations last. */
export const TIMELINE_KINDS: Readonly<Record<TimelineKind, KindStyle>> = {
  push: { label: 'spec pushed', colour: '#1f4e99', shape: 'diamond', guide: true },
  reconcile: { label: 'reconcile', colour: '#6a6a6a', shape: 'bar', guide: false },
  'pull-request-opened': { label: 'pull request opened', colour: '#8e44ad', shape: 'triangle', guide: false },
  'pull-request-merged': { label: 'pull request merged', colour: '#5b2c83', shape: 'diamond', guide: true },
  'wave-released': { label: 'wave released', colour: '#0f7b8a', shape: 'triangle', guide: true },
  'wave-healthy': { label: 'wave healthy', colour: '#1a9850', shape: 'square', guide: false },
  'region-dark': { label: 'region dark', colour: '#3b3b3b', shape: 'square', guide: true },
  'region-restored': { label: 'region restored', colour: '#a6761d', shape: 'square', guide: true },
  degraded: { label: 'degraded', colour: '#d73027', shape: 'triangle', guide: true },
  'rolled-back': { label: 'rolled back', colour: '#f46d43', shape: 'diamond', guide: true },
  completed: { label: 'completed', colour: '#2166ac', shape: 'square', guide: true },
  'station-running': { label: 'station running', colour: '#4daf4a', shape: 'circle', guide: false },
};

/** Whether `kind` is a timeline kind this report knows. */
export function isTimelineKind(kind: unknown): kind is TimelineKind {
  return typeof kind === 'string' && Object.hasOwn(TIMELINE_KINDS, kind);
}
