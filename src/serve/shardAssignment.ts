/**
 * Which replica publishes which location: pure functions, no I/O.
 *
 * Locations fall into a fixed number of shards, and shards are owned by live replicas, both by rendezvous
 * (highest-random-weight) hashing: an item goes to the bucket with the highest `hash(item, bucket)`. A location's
 * shard depends only on its name and the shard count, so it never moves while the configuration stays; when a
 * replica joins or leaves, only the shards it wins or held change hands (about 1/n of them), every other replica
 * keeps what it had. Ownership itself is decided by Kubernetes Leases (`shardCoordinator.ts`); the preference
 * computed here only says which replica should try to hold which lease.
 */

/**
 * A well-mixed 32-bit hash of a string: FNV-1a over its UTF-16 code units (location names are ASCII), then
 * murmur3's finalizer so that near-identical inputs (`store-0001`, `store-0002`) land far apart.
 */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function weight(item: string, bucket: string): number {
  return hash32(`${item}\u0000${bucket}`);
}

/** The bucket with the highest weight for `item`; ties (vanishingly rare) go to the smaller bucket name. */
function rendezvous(item: string, buckets: readonly string[]): string {
  let best = buckets[0]!;
  let bestWeight = -1;
  for (const bucket of buckets) {
    const w = weight(item, bucket);
    if (w > bestWeight || (w === bestWeight && bucket < best)) {
      best = bucket;
      bestWeight = w;
    }
  }
  return best;
}

const shardNames = new Map<number, string[]>();

function namesOf(shards: number): string[] {
  let names = shardNames.get(shards);
  if (!names) {
    names = Array.from({ length: shards }, (_, i) => `shard-${i}`);
    shardNames.set(shards, names);
  }
  return names;
}

/** The shard (0 … shards−1) a location belongs to. `shards` must be a positive integer. */
export function shardOfLocation(location: string, shards: number): number {
  if (!Number.isInteger(shards) || shards < 1) throw new RangeError(`shard count must be a positive integer, not ${shards}`);
  if (shards === 1) return 0;
  return Number(rendezvous(location, namesOf(shards)).slice('shard-'.length));
}

/**
 * For each shard (by index), the member that should own it. `members` are replica identities (any order,
 * duplicates ignored); with no members, every entry is undefined.
 */
export function preferredOwners(shards: number, members: readonly string[]): (string | undefined)[] {
  const unique = [...new Set(members)].sort();
  return namesOf(shards).map((shard) => (unique.length === 0 ? undefined : rendezvous(shard, unique)));
}

/** The shards `member` should own among `members`. */
export function preferredShards(shards: number, members: readonly string[], member: string): Set<number> {
  const owners = preferredOwners(shards, [...members, member]);
  return new Set(owners.flatMap((owner, shard) => (owner === member ? [shard] : [])));
}

/**
 * The location filter of a replica owning `owned` shards: what `reconcile({ shard })` takes. Shard lookups are
 * cached per name, so a fleet of thousands costs its hashes once per process.
 */
export function locationFilter(owned: ReadonlySet<number>, shards: number): (location: string) => boolean {
  return (location) => owned.has(cachedShard(location, shards));
}

const shardCache = new Map<string, number>();
const SHARD_CACHE_LIMIT = 200_000;

function cachedShard(location: string, shards: number): number {
  const key = `${shards}/${location}`;
  let shard = shardCache.get(key);
  if (shard === undefined) {
    if (shardCache.size >= SHARD_CACHE_LIMIT) shardCache.clear();
    shard = shardOfLocation(location, shards);
    shardCache.set(key, shard);
  }
  return shard;
}
