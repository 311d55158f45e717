import { LeaseConflictError, type LeaseRecord, type LeaseWrite, type Leases } from '../../src/serve/leases.js';

/**
 * Leases in memory with the API server's optimistic concurrency (a write must name the resourceVersion it read),
 * for unit tests of the lease loop. `down` makes every call fail, as an unreachable API server would.
 */
export class MemoryLeases implements Leases {
  readonly records = new Map<string, LeaseRecord>();
  down = false;
  #rv = 0;

  async list(): Promise<LeaseRecord[]> {
    this.#check();
    return [...this.records.values()].map((r) => structuredClone(r));
  }

  async create(lease: LeaseWrite): Promise<LeaseRecord> {
    this.#check();
    if (this.records.has(lease.name)) throw new LeaseConflictError(lease.name);
    return this.#store(lease);
  }

  async update(lease: LeaseWrite, resourceVersion: string): Promise<LeaseRecord> {
    this.#check();
    const current = this.records.get(lease.name);
    if (!current || current.resourceVersion !== resourceVersion) throw new LeaseConflictError(lease.name);
    return this.#store(lease);
  }

  async remove(name: string, resourceVersion: string): Promise<void> {
    this.#check();
    const current = this.records.get(name);
    if (!current || current.resourceVersion !== resourceVersion) throw new LeaseConflictError(name);
    this.records.delete(name);
  }

  /** Holder of every lease whose name contains `-shard-`, by shard number. */
  shardHolders(): Map<number, string> {
    const holders = new Map<number, string>();
    for (const record of this.records.values()) {
      const match = /-shard-(\d+)$/.exec(record.name);
      if (match && record.holder) holders.set(Number(match[1]), record.holder);
    }
    return holders;
  }

  #check(): void {
    if (this.down) throw new Error('connect ECONNREFUSED 127.0.0.1:6443');
  }

  #store(lease: LeaseWrite): LeaseRecord {
    const record: LeaseRecord = {
      name: lease.name,
      holder: lease.holder || undefined,
      durationSeconds: lease.durationSeconds,
      acquireTime: lease.acquireTime === undefined ? this.records.get(lease.name)?.acquireTime : new Date(lease.acquireTime).toISOString(),
      renewTime: new Date(lease.renewTime).toISOString(),
      transitions: lease.transitions,
      annotations: { ...(lease.annotations ?? {}) },
      resourceVersion: String(++this.#rv),
    };
    this.records.set(lease.name, record);
    return structuredClone(record);
  }
}
