import { createHash } from 'node:crypto';
import * as path from 'node:path';
import type { ObjectSink } from '../git/objectSink.js';
import type { Spec } from '../load/spec.js';
import type { OutputTarget } from '../publish/outputTarget.js';
import { writeBranch } from '../publish/writeBranch.js';
import { redactUrl } from '../load/readSpecFiles.js';
import { RENDER_REVISION, stableJson } from '../render/inputDigest.js';
import { bootstrapTemplates } from './bootstrapTemplates.js';
import { composeBootstrap } from './composeBootstrap.js';

/** The branch that holds the bootstrap manifests. */
export const BOOTSTRAP_REF = 'refs/heads/edgeplane-bootstrap';

/** The URL consumers pull the output from: the remote's, or a file URL of a local output repo. */
export function pullURL(target: OutputTarget): string {
  return target.remote ? redactUrl(target.remote.url) : `file://${path.resolve(target.gitdir)}`;
}

/**
 * Renders the bootstrap manifests for every location of the spec (templates overridable by the spec
 * commit's `templates/bootstrap/`) and writes them to `edgeplane-bootstrap`, committing only when they
 * changed. Returns the new commit or null.
 */
export async function publishBootstrap(options: {
  spec: Spec;
  specFiles: ReadonlyMap<string, string>;
  target: OutputTarget;
  createSink: () => ObjectSink;
  now: Date;
}): Promise<string | null> {
  const { spec, target } = options;
  const input = {
    repoURL: spec.settings.pullURL ?? pullURL(target),
    mode: target.mode,
    branchPrefix: target.branchPrefix,
    folderBranch: target.folderBranch,
    locations: spec.locations.map((l) => ({ name: l.value.metadata.name, consumer: l.value.spec?.consumer ?? spec.settings.defaultConsumer })),
  };
  const templates = bootstrapTemplates(options.specFiles);
  // What the manifests are made of: when the branch records the same, they are not rendered at all.
  const sources = Object.entries(templates).map(([name, template]) => [name, template.source]);
  const inputs = `sha1:${createHash('sha1').update(`${RENDER_REVISION}\n${stableJson({ input, sources })}`).digest('hex')}`;
  return writeBranch(
    {
      ref: BOOTSTRAP_REF,
      files: () => composeBootstrap(input, templates),
      inputs,
      subject: `bootstrap manifests for ${spec.locations.length} location(s)`,
      sourceCommit: spec.commit,
    },
    { target, createSink: options.createSink, now: options.now },
  );
}
