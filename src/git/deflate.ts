/**
 * A zlib (RFC 1950) compressor for many small inputs, in JavaScript: LZ77 with one candidate per hash and Deflate's
 * fixed Huffman codes (RFC 1951 §3.2.6), falling back to stored blocks where that is shorter.
 *
 * Why not node:zlib: every `deflateSync` call builds a zlib stream object and its tables, about 10 µs before a byte
 * is compressed, and a reconcile compresses every object of a pack separately (a pack entry is its own zlib stream).
 * Measured on 40,000 manifests of ~550 bytes: `deflateSync` level 1 took ~18 µs each; this takes a few µs and its
 * output is about 15% larger (no dynamic Huffman tables, which barely pay for themselves at this size). Any inflater
 * reads it: Git, `git fsck`, node:zlib; the tests round-trip it through `inflateSync` and `git fsck`.
 *
 * One `SmallDeflater` keeps its hash table between calls (entries of earlier inputs are recognized as stale by an
 * offset that only grows), so compressing an object allocates nothing but its output.
 */

const HASH_BITS = 14;
const HASH_SIZE = 1 << HASH_BITS;
const MIN_MATCH = 3;
const MAX_MATCH = 258;
const MAX_DISTANCE = 32768;
/** Past this, `base` is rewound and the table cleared, long before Int32 overflow. */
const BASE_LIMIT = 1 << 30;

// Fixed Huffman codes, bit-reversed for an LSB-first bit stream.
const LITERAL_CODE = new Uint16Array(288);
const LITERAL_BITS = new Uint8Array(288);
const DISTANCE_CODE = new Uint8Array(30);
// Length 3..258 → symbol offset (0..28), extra bits, base length.
const LENGTH_SYMBOL = new Uint8Array(MAX_MATCH + 1);
const LENGTH_BASE = new Uint16Array(29);
const LENGTH_EXTRA = new Uint8Array(29);
const DISTANCE_BASE = new Uint16Array(30);
const DISTANCE_EXTRA = new Uint8Array(30);
/** Distance code of distances 1..256 at [d-1], of larger ones at 256 + ((d-1) >> 7). */
const DISTANCE_SYMBOL = new Uint8Array(512);
// Per match length (3..258) and distance (1..32768): its Huffman code followed by its extra bits, as one
// LSB-first bit string, and that string's length.
const MATCH_LENGTH_CODE = new Uint32Array(MAX_MATCH + 1);
const MATCH_LENGTH_BITS = new Uint8Array(MAX_MATCH + 1);
const MATCH_DISTANCE_CODE = new Uint32Array(MAX_DISTANCE + 1);
const MATCH_DISTANCE_BITS = new Uint8Array(MAX_DISTANCE + 1);

function reverse(code: number, bits: number): number {
  let out = 0;
  for (let i = 0; i < bits; i++) {
    out = (out << 1) | (code & 1);
    code >>= 1;
  }
  return out;
}

(function buildTables(): void {
  for (let sym = 0; sym < 288; sym++) {
    let code: number;
    let bits: number;
    if (sym < 144) [code, bits] = [0x30 + sym, 8];
    else if (sym < 256) [code, bits] = [0x190 + sym - 144, 9];
    else if (sym < 280) [code, bits] = [sym - 256, 7];
    else [code, bits] = [0xc0 + sym - 280, 8];
    LITERAL_CODE[sym] = reverse(code, bits);
    LITERAL_BITS[sym] = bits;
  }
  for (let d = 0; d < 30; d++) DISTANCE_CODE[d] = reverse(d, 5);
  let length = 3;
  for (let s = 0; s < 28; s++) {
    const extra = s < 8 ? 0 : (s >> 2) - 1;
    LENGTH_BASE[s] = length;
    LENGTH_EXTRA[s] = extra;
    for (let i = 0; i < 1 << extra; i++) LENGTH_SYMBOL[length++] = s;
  }
  // 258 has its own symbol (285) with no extra bits; 227..257 stay on symbol 27.
  LENGTH_BASE[28] = 258;
  LENGTH_EXTRA[28] = 0;
  LENGTH_SYMBOL[258] = 28;
  let distance = 1;
  for (let s = 0; s < 30; s++) {
    const extra = s < 4 ? 0 : (s >> 1) - 1;
    DISTANCE_BASE[s] = distance;
    DISTANCE_EXTRA[s] = extra;
    for (let i = 0; i < 1 << extra; i++, distance++) {
      if (distance <= 256) DISTANCE_SYMBOL[distance - 1] = s;
      else DISTANCE_SYMBOL[256 + ((distance - 1) >> 7)] = s;
    }
  }
  for (let length = MIN_MATCH; length <= MAX_MATCH; length++) {
    const s = LENGTH_SYMBOL[length]!;
    const bits = LITERAL_BITS[257 + s]!;
    MATCH_LENGTH_CODE[length] = LITERAL_CODE[257 + s]! | ((length - LENGTH_BASE[s]!) << bits);
    MATCH_LENGTH_BITS[length] = bits + LENGTH_EXTRA[s]!;
  }
  for (let d = 1; d <= MAX_DISTANCE; d++) {
    const s = d <= 256 ? DISTANCE_SYMBOL[d - 1]! : DISTANCE_SYMBOL[256 + ((d - 1) >> 7)]!;
    MATCH_DISTANCE_CODE[d] = DISTANCE_CODE[s]! | ((d - DISTANCE_BASE[s]!) << 5);
    MATCH_DISTANCE_BITS[d] = 5 + DISTANCE_EXTRA[s]!;
  }
})();

/** Adler-32 of `data` (RFC 1950 §8.2). */
export function adler32(data: Uint8Array): number {
  let a = 1;
  let b = 0;
  const n = data.length;
  let i = 0;
  while (i < n) {
    // 3800 bytes keep b below 2^31 before the modulo.
    const end = Math.min(i + 3800, n);
    for (; i < end; i++) {
      a += data[i]!;
      b += a;
    }
    a %= 65521;
    b %= 65521;
  }
  return ((b << 16) | a) >>> 0;
}

/** Compresses small inputs into zlib streams; reuse one instance for many inputs. Not thread-safe, synchronous. */
export class SmallDeflater {
  private readonly head = new Int32Array(HASH_SIZE);
  /** Added to positions stored in `head`, so entries from earlier inputs are below the current `base`. */
  private base = 0;
  private out: Uint8Array = new Uint8Array(0);
  private at = 0;

  /** The zlib stream (header, Deflate data, Adler-32) of `input`, in a new buffer. */
  deflate(input: Uint8Array): Buffer {
    return Buffer.from(this.deflateView(input));
  }

  /**
   * The zlib stream of `input` as a view of this deflater's own buffer: valid until the next call, so copy it
   * (or write it out) first. Saves an allocation per object where the bytes are copied anyway.
   */
  deflateView(input: Uint8Array): Uint8Array {
    const n = input.length;
    // Fixed codes spend at most 9 bits per literal: n * 9/8, plus header, block bits and trailer.
    const bound = n + (n >> 3) + 16;
    if (this.out.length < bound) this.out = new Uint8Array(Math.max(bound, 64 * 1024));
    if (this.base + n + MAX_DISTANCE >= BASE_LIMIT) {
      this.head.fill(0);
      this.base = 0;
    }
    const out = this.out;
    out[0] = 0x78;
    out[1] = 0x01;
    this.at = 2;
    this.compress(input);
    const deflatedEnd = this.at;
    // Stored blocks cost 5 bytes per 65,535: use them when compressing did not help (binary or tiny input).
    if (deflatedEnd - 2 > n + 5 * Math.ceil(Math.max(n, 1) / 65535)) this.store(input);
    const check = adler32(input);
    out[this.at++] = check >>> 24;
    out[this.at++] = (check >>> 16) & 0xff;
    out[this.at++] = (check >>> 8) & 0xff;
    out[this.at++] = check & 0xff;
    this.base += n + MAX_DISTANCE;
    return out.subarray(0, this.at);
  }

  private compress(input: Uint8Array): void {
    // The hot loop of every reconcile: bit buffer and output position in locals, codes from combined tables.
    const n = input.length;
    const head = this.head;
    const base = this.base;
    const out = this.out;
    let at = this.at;
    // BFINAL = 1, BTYPE = 01 (fixed Huffman): 0b011 in three bits.
    let bits = 0b011;
    let count = 3;
    let i = 0;
    while (i < n) {
      let length = 0;
      let candidate = -1;
      if (i + MIN_MATCH <= n) {
        const h = Math.imul((input[i]! << 16) | (input[i + 1]! << 8) | input[i + 2]!, 0x9e3779b1) >>> (32 - HASH_BITS);
        candidate = head[h]! - base - 1;
        head[h] = base + i + 1;
        if (candidate >= 0 && i - candidate <= MAX_DISTANCE) {
          const max = n - i < MAX_MATCH ? n - i : MAX_MATCH;
          while (length < max && input[candidate + length] === input[i + length]) length++;
          if (length < MIN_MATCH) length = 0;
        }
      }
      if (length === 0) {
        const byte = input[i]!;
        bits |= LITERAL_CODE[byte]! << count;
        count += LITERAL_BITS[byte]!;
        i++;
      } else {
        bits |= MATCH_LENGTH_CODE[length]! << count;
        count += MATCH_LENGTH_BITS[length]!;
        while (count >= 8) {
          out[at++] = bits & 0xff;
          bits >>>= 8;
          count -= 8;
        }
        const distance = i - candidate;
        bits |= MATCH_DISTANCE_CODE[distance]! << count;
        count += MATCH_DISTANCE_BITS[distance]!;
        // Index the positions inside the match too (a few at most): later repeats find them.
        const end = Math.min(i + length, n - MIN_MATCH, i + 4);
        for (let j = i + 1; j < end; j++) {
          const h = Math.imul((input[j]! << 16) | (input[j + 1]! << 8) | input[j + 2]!, 0x9e3779b1) >>> (32 - HASH_BITS);
          head[h] = base + j + 1;
        }
        i += length;
      }
      while (count >= 8) {
        out[at++] = bits & 0xff;
        bits >>>= 8;
        count -= 8;
      }
    }
    // End of block: symbol 256, seven zero bits; then up to the byte boundary.
    count += 7;
    while (count > 0) {
      out[at++] = bits & 0xff;
      bits >>>= 8;
      count -= 8;
    }
    this.at = at;
  }

  /** Rewrites the body as stored blocks (BTYPE 00), each at most 65,535 bytes. */
  private store(input: Uint8Array): void {
    const out = this.out;
    this.at = 2;
    let offset = 0;
    do {
      const size = Math.min(65535, input.length - offset);
      const final = offset + size >= input.length ? 1 : 0;
      out[this.at++] = final;
      out[this.at++] = size & 0xff;
      out[this.at++] = size >>> 8;
      out[this.at++] = ~size & 0xff;
      out[this.at++] = (~size >>> 8) & 0xff;
      out.set(input.subarray(offset, offset + size), this.at);
      this.at += size;
      offset += size;
    } while (offset < input.length);
  }
}
