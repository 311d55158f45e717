/**
 * The fast object path: every object of a reconcile goes into ONE packfile, hashed (Node's crypto) and deflated
 * in-process (`SmallDeflater`, or node:zlib at an explicit level), streamed to a temporary file as objects are
 * added, so memory holds only the per-object index entries and at most one chunk of deflated bytes, never the raw
 * bodies.
 *
 * Readers never see a half pack: Git discovers a pack through its `.idx`, and the `.idx` is renamed into place
 * last, after both files are complete and fsynced. Temporary files use Git's own `tmp_pack_` / `tmp_idx_`
 * prefixes, so a crash leaves garbage that `git count-objects -v` reports and `git gc` / `git prune` removes.
 */
import { randomBytes, createHash } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import { EdgeplaneError } from '../errors/edgeplaneError.js';
import { SmallDeflater } from './deflate.js';
import { NO_EXISTING_OBJECTS, type ExistingObjects, type ObjectSink } from './objectSink.js';
import { hashObject, type ObjectType } from './objects.js';
import {
  encodePackHeader,
  encodePackIndex,
  encodePackObjectHeader,
  LARGE_OFFSET,
  type PackIndexEntry,
} from './packFormat.js';

/** Options of `PackSink`; every field has a default that suits a reconcile. */
export interface PackSinkOptions {
  /**
   * zlib level, 0 to 9, to compress with node:zlib. Default: none, `SmallDeflater` (fixed-code Deflate in
   * JavaScript). Measured on the 48,000 objects of a 1,000-location reconcile (~480-byte manifests, trees,
   * commits): node:zlib level 1 took ~24 µs per object, nearly all of it setting up a zlib stream per object (level
   * 1 and 6 cost the same); `SmallDeflater` took ~5 µs for a pack ~18% larger. See docs/performance.md.
   */
  level?: number;
  /** Objects to skip because the repository has them. Default: none. */
  existing?: ExistingObjects;
  /** Deflated bytes gathered before one write to the temporary pack file. Default 1 MiB. */
  chunkBytes?: number;
  /** First pack offset recorded in the index's 8-byte table. Tests lower it to exercise that table. */
  largeOffset?: number;
}

/** Where the last `flush` put its pack, or null when it had nothing to write. */
export interface WrittenPack {
  pack: string;
  index: string;
  objects: number;
}

/** Writes every added object into one version-2 packfile (plus `.idx`) under `<gitdir>/objects/pack` on `flush`. */
export class PackSink implements ObjectSink {
  private readonly packDir: string;
  private readonly level: number | undefined;
  private readonly deflater = new SmallDeflater();
  private readonly existing: ExistingObjects;
  private readonly chunkBytes: number;
  private readonly largeOffset: number;
  /** Every id this sink accepted, flushed or not: adding one again is a no-op. */
  private readonly accepted = new Set<string>();
  private entries: PackIndexEntry[] = [];
  private fd: number | null = null;
  private tempPack: string | null = null;
  /** Bytes not yet written to the temporary pack: copied in, since `add` hands over views of reused buffers. */
  private chunk: Buffer;
  private chunkLength = 0;
  /** Bytes of the pack so far, including those still in `chunk`. */
  private position = 0;
  private busy = false;
  private broken: unknown = null;
  private written: WrittenPack | null = null;

  constructor(gitdir: string, options: PackSinkOptions = {}) {
    this.packDir = join(gitdir, 'objects', 'pack');
    this.level = options.level;
    this.existing = options.existing ?? NO_EXISTING_OBJECTS;
    this.chunkBytes = options.chunkBytes ?? 1 << 20;
    this.largeOffset = options.largeOffset ?? LARGE_OFFSET;
    this.chunk = Buffer.allocUnsafe(this.chunkBytes);
  }

  get count(): number {
    return this.accepted.size;
  }

  /** The files of the last flush that wrote a pack. */
  get lastPack(): WrittenPack | null {
    return this.written;
  }

  add(type: ObjectType, body: Buffer, knownId?: string): string {
    this.assertUsable();
    const id = knownId ?? hashObject(type, body);
    if (this.accepted.has(id) || this.existing.has(id)) return id;
    try {
      if (this.fd === null) this.openTempPack();
      const header = encodePackObjectHeader(type, body.length);
      const deflated =
        this.level === undefined
          ? this.deflater.deflateView(body)
          : deflateSync(body, { level: this.level, windowBits: windowBitsFor(body.length) });
      this.entries.push({ id, offset: this.position, crc: crc32(deflated, crc32(header)) });
      this.append(header);
      this.append(deflated);
    } catch (error) {
      this.fail(error);
    }
    this.accepted.add(id);
    return id;
  }

  /**
   * Completes the pack (object count, trailing SHA-1), writes its index, fsyncs both and renames them into place,
   * `.idx` last. With nothing added since the last flush it writes nothing. After a flush the sink takes objects
   * for a new pack. A failed flush removes its temporary files and leaves the sink unusable.
   */
  async flush(): Promise<void> {
    this.assertUsable();
    if (this.fd === null) {
      this.written = null;
      return;
    }
    this.busy = true;
    const fd = this.fd;
    const tempPack = this.tempPack!;
    const tempIndex = join(this.packDir, `tmp_idx_${randomBytes(8).toString('hex')}`);
    try {
      this.writeChunk();
      writeFully(fd, encodePackHeader(this.entries.length), 0);
      const checksum = await sha1OfFile(tempPack);
      writeFully(fd, checksum, this.position);
      fsyncSync(fd);
      closeSync(fd);
      this.fd = null;

      const index = encodePackIndex(this.entries, checksum, this.largeOffset);
      const indexFile = await open(tempIndex, 'wx', 0o444);
      try {
        await indexFile.writeFile(index);
        await indexFile.sync();
      } finally {
        await indexFile.close();
      }

      const base = join(this.packDir, `pack-${checksum.toString('hex')}`);
      await rename(tempPack, `${base}.pack`);
      await rename(tempIndex, `${base}.idx`);
      await syncDirectory(this.packDir);
      this.written = { pack: `${base}.pack`, index: `${base}.idx`, objects: this.entries.length };
      this.tempPack = null;
      this.entries = [];
      this.position = 0;
    } catch (error) {
      await rm(tempIndex, { force: true });
      this.fail(error);
    } finally {
      this.busy = false;
    }
  }

  /** Drops everything not yet flushed and removes the temporary pack. The sink cannot be used afterwards. */
  async abort(): Promise<void> {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
    if (this.tempPack !== null) await rm(this.tempPack, { force: true });
    this.tempPack = null;
    this.broken ??= new Error('aborted');
  }

  private openTempPack(): void {
    mkdirSync(this.packDir, { recursive: true });
    this.tempPack = join(this.packDir, `tmp_pack_${randomBytes(8).toString('hex')}`);
    // Git keeps pack files read-only; the descriptor we create with is still writable.
    this.fd = openSync(this.tempPack, 'wx+', 0o444);
    this.position = 0;
    this.append(encodePackHeader(0));
  }

  private append(bytes: Uint8Array): void {
    if (this.chunkLength + bytes.length > this.chunk.length) this.writeChunk();
    if (bytes.length >= this.chunk.length) {
      // Larger than a whole chunk: straight to the file.
      writeFully(this.fd!, bytes, this.position);
    } else {
      this.chunk.set(bytes, this.chunkLength);
      this.chunkLength += bytes.length;
    }
    this.position += bytes.length;
  }

  private writeChunk(): void {
    if (this.chunkLength === 0) return;
    writeFully(this.fd!, this.chunk.subarray(0, this.chunkLength), this.position - this.chunkLength);
    this.chunkLength = 0;
  }

  private assertUsable(): void {
    if (this.busy) {
      throw new EdgeplaneError('BAD_ARGUMENT', 'PackSink: add or flush called while a flush is running', {});
    }
    if (this.broken !== null) {
      const message = 'PackSink: an earlier write failed or the sink was aborted; start a new sink';
      throw new EdgeplaneError('GIT_FAILED', message, {}, { cause: this.broken });
    }
  }

  /** Records the failure, removes the temporary pack without waiting, and throws. */
  private fail(error: unknown): never {
    if (this.fd !== null) {
      try {
        closeSync(this.fd);
      } catch {
        // the descriptor is already unusable; the error below is the one that matters
      }
    }
    this.fd = null;
    if (this.tempPack !== null) void rm(this.tempPack, { force: true }).catch(() => undefined);
    this.tempPack = null;
    this.broken = error;
    throw new EdgeplaneError('GIT_FAILED', `writing a packfile in ${this.packDir} failed: ${messageOf(error)}`, {
      packDir: this.packDir,
    }, { cause: error });
  }
}

/**
 * The smallest zlib window that holds the whole body (9 to 15 bits). Setting up a deflate stream costs more than
 * compressing a small manifest, and most of that is clearing window-sized tables: a fitted window made the
 * 20,000-blob benchmark's deflate ~20% faster with identical output size. Any inflater with the default 15-bit
 * window (Git's) reads streams made with a smaller one.
 */
function windowBitsFor(size: number): number {
  let bits = 9;
  // zlib needs the window to exceed the input by MIN_LOOKAHEAD (262 bytes) to see all of it at once.
  while (bits < 15 && 1 << bits < size + 262) bits += 1;
  return bits;
}

/** `writeSync` until every byte is written: a regular file may take fewer bytes than asked (e.g. disk nearly full). */
function writeFully(fd: number, data: Uint8Array, position: number): void {
  let done = 0;
  while (done < data.length) {
    done += writeSync(fd, data, done, data.length - done, position + done);
  }
}

async function sha1OfFile(path: string): Promise<Buffer> {
  const hash = createHash('sha1');
  const file = await open(path, 'r');
  try {
    const buffer = Buffer.allocUnsafe(1 << 20);
    for (;;) {
      const { bytesRead } = await file.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      hash.update(buffer.subarray(0, bytesRead));
    }
  } finally {
    await file.close();
  }
  return hash.digest();
}

/** Makes the renames durable before refs point at the new objects. Not every platform can fsync a directory. */
async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // best effort: on platforms without directory fsync the file fsyncs above are what we can do
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
