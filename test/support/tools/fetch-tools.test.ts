import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

import { projectRoot } from '../tools.js';

const execFileAsync = promisify(execFile);

interface ZipEntry {
  name: string;
  method: number;
  size: number;
}

/** The archive readers of the plain-JavaScript fetch script (it runs before the build, so it is not TypeScript). */
interface FetchTools {
  readTarEntry(tar: Buffer, wanted: string): Buffer | undefined;
  readZipDirectory(zip: Buffer): ZipEntry[];
  readZipEntry(zip: Buffer, entry: ZipEntry): Buffer;
}

// The script sits in the source tree, not in dist/, so it is loaded by path from the project root.
const tools = (await import(
  pathToFileURL(join(projectRoot(), 'test/support/tools/fetch-tools.js')).href
)) as FetchTools;

const LONG_DIR = `${'d'.repeat(70)}/${'e'.repeat(70)}`; // fits ustar only through the prefix field
const LONG_FILE = `${'f'.repeat(120)}.txt`; // one component past 100 bytes: only a pax or GNU header can name it

/** A tar header block for the hand-built GNU archive below. */
function tarHeader(name: string, type: string, size: number): Buffer {
  const header = Buffer.alloc(512);
  header.write(name.slice(0, 100), 0, 'utf8');
  header.write('0000644\0', 100, 'latin1');
  header.write(`${size.toString(8).padStart(11, '0')}\0`, 124, 'latin1');
  header.write(type, 156, 'latin1');
  header.write('ustar  \0', 257, 'latin1'); // old GNU magic: no prefix field
  header.fill(0x20, 148, 156);
  const sum = header.reduce((total, byte) => total + byte, 0);
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return header;
}

function tarData(content: Buffer): Buffer {
  return Buffer.concat([content, Buffer.alloc((512 - (content.length % 512)) % 512)]);
}

describe('test support: fetch-tools archive readers', () => {
  let scratch: string;
  let repo: string;

  before(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'edgeplane-fetch-tools-'));
    repo = join(scratch, 'repo');
    await mkdir(join(repo, LONG_DIR), { recursive: true });
    await writeFile(join(repo, LONG_DIR, 'deep.txt'), 'deep\n');
    await writeFile(join(repo, LONG_FILE), 'long\n');
    await writeFile(join(repo, 'big.bin'), Buffer.alloc(200_000, 'edgeplane '));
    const git = (...args: string[]) => execFileAsync('git', ['-C', repo, ...args]);
    await git('init', '--quiet');
    await git('add', '.');
    await git('-c', 'user.name=t', '-c', 'user.email=t@example.invalid', 'commit', '--quiet', '-m', 'fixture');
  });

  after(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  async function archive(...args: string[]): Promise<Buffer> {
    const { stdout } = await execFileAsync('git', ['-C', repo, 'archive', ...args, 'HEAD'], {
      encoding: 'buffer',
      maxBuffer: 64 * 1024 * 1024,
    });
    return stdout;
  }

  it('reads files from a pax tar (global header, ustar prefix, pax path)', async () => {
    const tar = await archive('--format=tar', '--prefix=package/');
    assert.equal(tools.readTarEntry(tar, `package/${LONG_DIR}/deep.txt`)?.toString(), 'deep\n');
    assert.equal(tools.readTarEntry(tar, `./package/${LONG_FILE}`)?.toString(), 'long\n');
    assert.equal(tools.readTarEntry(tar, 'package/big.bin')?.length, 200_000);
    assert.equal(tools.readTarEntry(tar, 'package/missing'), undefined);
  });

  it('reads files named by GNU long-name entries', () => {
    const content = Buffer.from('gnu\n');
    const tar = Buffer.concat([
      tarHeader('././@LongLink', 'L', LONG_FILE.length + 1),
      tarData(Buffer.from(`${LONG_FILE}\0`)),
      tarHeader(LONG_FILE.slice(0, 100), '0', content.length),
      tarData(content),
      Buffer.alloc(1024),
    ]);
    assert.equal(tools.readTarEntry(tar, LONG_FILE)?.toString(), 'gnu\n');
  });

  it('refuses a tar header with a bad checksum', () => {
    const header = tarHeader('x', '0', 0);
    header[0] = 'y'.charCodeAt(0);
    assert.throws(() => tools.readTarEntry(Buffer.concat([header, Buffer.alloc(1024)]), 'x'), /checksum/);
  });

  for (const level of ['-0', '-9']) {
    it(`reads every file of a zip (${level === '-0' ? 'stored' : 'deflated'})`, async () => {
      const zip = await archive('--format=zip', level);
      const entries = tools.readZipDirectory(zip);
      const byName = new Map(entries.map((entry) => [entry.name, entry]));
      assert.equal(tools.readZipEntry(zip, byName.get(`${LONG_DIR}/deep.txt`)!).toString(), 'deep\n');
      assert.equal(tools.readZipEntry(zip, byName.get(LONG_FILE)!).toString(), 'long\n');
      const big = byName.get('big.bin')!;
      assert.equal(big.method, level === '-0' ? 0 : 8);
      assert.deepEqual(tools.readZipEntry(zip, big), Buffer.alloc(200_000, 'edgeplane '));
    });
  }

  it('detects a corrupted zip entry by its CRC-32', async () => {
    const zip = Buffer.from(await archive('--format=zip', '-0'));
    const entry = tools.readZipDirectory(zip).find((candidate) => candidate.name === 'big.bin')!;
    zip[zip.indexOf('edgeplane edgeplane')] ^= 0xff;
    assert.throws(() => tools.readZipEntry(zip, entry), /CRC-32/);
  });
});
