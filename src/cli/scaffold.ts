import * as fs from 'node:fs';
import * as path from 'node:path';
import git from 'isomorphic-git';
import { SCHEMA_FILES } from '../api/schemas.js';
import { EdgeplaneError } from '../errors/edgeplaneError.js';
import { packageRoot } from '../util/packageRoot.js';

type SchemaKind = keyof typeof SCHEMA_FILES;

/**
 * Writes a working spec repo into `dir` from one of the bundled fixtures, with yaml-language-server
 * modelines pointing at the JSON Schemas copied to `.edgeplane/schemas/`, and commits it (isomorphic-git)
 * when `dir` is not a repository yet. Refuses to write over existing files.
 */
export async function scaffold(dir: string, fixture = 'demo'): Promise<{ files: string[]; committed: string | null }> {
  const from = path.join(packageRoot(), 'fixtures', fixture);
  if (!fs.existsSync(path.join(from, 'edgeplane.yaml'))) {
    throw new EdgeplaneError('NOT_FOUND', `no bundled example named ${JSON.stringify(fixture)}`, { fixture });
  }
  const files = listFiles(from);
  const clashes = files.filter((file) => fs.existsSync(path.join(dir, file)));
  if (clashes.length > 0) {
    throw new EdgeplaneError('BAD_ARGUMENT', `${dir} already has ${clashes.slice(0, 3).join(', ')}: init writes only new files`, { clashes });
  }
  for (const file of files) {
    const text = fs.readFileSync(path.join(from, file), 'utf8');
    write(dir, file, withModeline(file, text));
  }
  const schemaDir = path.join(packageRoot(), 'schemas');
  const schemas = Object.values(SCHEMA_FILES).map((name) => `.edgeplane/schemas/${name}`);
  for (const name of Object.values(SCHEMA_FILES)) write(dir, `.edgeplane/schemas/${name}`, fs.readFileSync(path.join(schemaDir, name), 'utf8'));
  const written = [...files, ...schemas].sort();
  const committed = fs.existsSync(path.join(dir, '.git')) ? null : await commitAll(dir, written);
  return { files: written, committed };
}

function listFiles(root: string, prefix = ''): string[] {
  return fs.readdirSync(path.join(root, prefix), { withFileTypes: true }).flatMap((entry) => {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    return entry.isDirectory() ? listFiles(root, rel) : [rel];
  });
}

function write(dir: string, file: string, text: string): void {
  const target = path.join(dir, file);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.writeFileSync(target, text);
}

/** The kind a spec file holds, by its folder, for its modeline. */
function kindOfFile(file: string): SchemaKind | undefined {
  if (file === 'edgeplane.yaml') return 'Settings';
  if (file.startsWith('inventory/')) return 'Location';
  if (file.startsWith('placements/')) return 'EdgePlacement';
  if (file.startsWith('customizers/')) return 'Customizer';
  if (file.startsWith('collectors/')) return 'StatusCollector';
  return undefined;
}

function withModeline(file: string, text: string): string {
  const kind = kindOfFile(file);
  if (!kind || !file.endsWith('.yaml')) return text;
  const depth = file.split('/').length - 1;
  const schema = `${'../'.repeat(depth)}.edgeplane/schemas/${SCHEMA_FILES[kind]}`;
  return `# yaml-language-server: $schema=${schema}\n${text}`;
}

async function commitAll(dir: string, files: string[]): Promise<string> {
  await git.init({ fs, dir, defaultBranch: 'main' });
  for (const filepath of files) await git.add({ fs, dir, filepath });
  const author = { name: 'edgeplane init', email: 'edgeplane@localhost' };
  return git.commit({ fs, dir, message: 'edgeplane spec repo, scaffolded by edgeplane init\n', author, committer: author });
}
