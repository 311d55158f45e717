/**
 * The lease loop of one replica: who is alive, which shards it owns, whether it is the elected replica, and
 * reconcile requests from the other replicas. Every `retryPeriodMs` it lists the group's Leases once and then:
 *
 * 1. renews its member lease (`<group>-member-<identity>`), which tells the others it is alive;
 * 2. computes, among the live members, the shards it should own (rendezvous hashing, `shardAssignment.ts`);
 * 3. renews the shard leases (`<group>-shard-<n>`) it holds, releases those another live member now prefers (only
 *    when no reconcile is using them), and takes free or expired ones it prefers, or any shard left free for
 *    longer than a lease duration, so no shard stays orphaned when members disagree for a moment;
 * 4. competes for `<group>-leader`, the elected replica that writes the status summary and deletes the member
 *    leases of replicas long gone;
 * 5. watches `<group>-trigger`, whose counter a replica bumps when it receives a webhook, so every replica
 *    reconciles its shards after a push that reached only one of them.
 *
 * A lease is expired when it has not changed for its duration as measured on this replica's clock since it
 * last saw it change (client-go's rule): no comparison of clocks across machines. A replica owns a shard from a
 * successful write until `write start + lease duration`, the earliest moment another replica can take it over;
 * a replica that cannot reach the API server loses its shards locally at that moment, stops publishing them,
 * and another replica takes them over once they expire there.
 */
import type { Clock, Timer } from './clock.js';
import { LeaseConflictError, type LeaseRecord, type LeaseRole, type Leases } from './leases.js';
import { preferredOwners } from './shardAssignment.js';

export interface CoordinatorOptions {
  leases: Leases;
  clock: Clock;
  /** This replica's identity (the pod name): unique among live replicas, a DNS-1123 label. */
  identity: string;
  /** Prefix of the lease names (the Helm release): `<group>-shard-0`, … */
  group: string;
  shards: number;
  leaseDurationMs: number;
  /** How often held leases are renewed; well below the lease duration. */
  renewIntervalMs: number;
  /** How often the loop runs: the delay of noticing changes. */
  retryPeriodMs: number;
  /** Ownership or leadership changed (after a loop round). */
  onChange?: (owned: ReadonlySet<number>, leader: boolean) => void;
  /** Another replica asked every replica to reconcile. */
  onPeerTrigger?: (detail: string) => void;
  /** A loop round failed (the API server is unreachable, …); the loop goes on. */
  onError?: (error: unknown) => void;
}

/** The shards a reconcile may publish; they stay held until `done()`. */
export interface ShardCheckout {
  shards: ReadonlySet<number>;
  leader: boolean;
  done(): void;
}

/** What the loop knows, for the status page and /readyz. */
export interface CoordinatorSnapshot {
  identity: string;
  /** Live members, sorted. */
  members: string[];
  owned: number[];
  leader: boolean;
  /** The holder of each shard as last listed ('' when free). */
  holders: string[];
  /** The loop completed a round with the API server. */
  ready: boolean;
}

interface Held {
  /** Ownership is safe until then (clock ms). */
  until: number;
  renewedAt: number;
  record: LeaseRecord;
}

interface Observation {
  resourceVersion: string;
  at: number;
}

const TRIGGER_SEQ = 'edgeplane.io/trigger-seq';
/** How many lease durations a member lease stays unrenewed before the elected replica deletes it. */
const DEAD_MEMBER_DURATIONS = 10;
const TRIGGER_BY = 'edgeplane.io/trigger-by';
const TRIGGER_DETAIL = 'edgeplane.io/trigger-detail';

/** Runs the lease loop of one replica. */
export class ShardCoordinator {
  readonly #o: CoordinatorOptions;
  readonly #held = new Map<string, Held>();
  readonly #observed = new Map<string, Observation>();
  /** When each free lease was first seen free (for the orphan rule). */
  readonly #freeSince = new Map<string, number>();
  readonly #inUse = new Map<number, number>();
  #records = new Map<string, LeaseRecord>();
  #members: string[] = [];
  #timer: Timer | undefined;
  #round: Promise<void> | undefined;
  #stopped = false;
  #ready = false;
  #triggerSeq: number | undefined;
  #lastOwned = '';

  constructor(options: CoordinatorOptions) {
    if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(options.identity) || options.identity.length > 200) {
      throw new RangeError(`replica identity ${JSON.stringify(options.identity)} must be a DNS-1123 name (lower case, digits, '-', '.')`);
    }
    if (options.renewIntervalMs >= options.leaseDurationMs) throw new RangeError('the renew interval must be shorter than the lease duration');
    this.#o = options;
  }

  /** Starts the loop; the first round runs at once. */
  start(): void {
    this.#stopped = false;
    this.#loop();
  }

  /** One round now (tests, and right after start-up). */
  async tick(): Promise<void> {
    if (this.#round) return this.#round;
    this.#round = this.#tick().finally(() => (this.#round = undefined));
    return this.#round;
  }

  /**
   * Stops the loop. With `release` (a graceful shutdown), every held lease is handed back at once, so other
   * replicas take the shards over within one retry period instead of one lease duration.
   */
  async stop(options: { release?: boolean } = {}): Promise<void> {
    this.#stopped = true;
    this.#timer?.cancel();
    await this.#round;
    if (options.release ?? true) await Promise.all([...this.#held.keys()].map((name) => this.#release(name)));
    this.#held.clear();
  }

  /** The shards this replica may publish right now. */
  owned(): Set<number> {
    const now = this.#o.clock.now();
    const owned = new Set<number>();
    for (const [name, held] of this.#held) {
      const shard = this.#shardOf(name);
      if (shard !== undefined && held.until > now) owned.add(shard);
    }
    return owned;
  }

  /** Whether this replica is the elected one now. */
  isLeader(): boolean {
    const held = this.#held.get(this.#name('leader'));
    return held !== undefined && held.until > this.#o.clock.now();
  }

  /** Takes the owned shards for one reconcile: none of them is released voluntarily until `done()`. */
  checkout(): ShardCheckout {
    const shards = this.owned();
    for (const shard of shards) this.#inUse.set(shard, (this.#inUse.get(shard) ?? 0) + 1);
    let returned = false;
    return {
      shards,
      leader: this.isLeader(),
      done: () => {
        if (returned) return;
        returned = true;
        for (const shard of shards) {
          const left = (this.#inUse.get(shard) ?? 1) - 1;
          if (left <= 0) this.#inUse.delete(shard);
          else this.#inUse.set(shard, left);
        }
      },
    };
  }

  /** Asks every other replica to reconcile (they notice within one retry period). */
  async broadcast(detail: string): Promise<void> {
    const name = this.#name('trigger');
    for (let attempt = 0; attempt < 5; attempt++) {
      const current = this.#records.get(name);
      const seq = Number(current?.annotations[TRIGGER_SEQ] ?? '0') + 1;
      const write = {
        name,
        role: 'trigger' as const,
        holder: '',
        durationSeconds: 1,
        renewTime: this.#o.clock.now(),
        transitions: 0,
        annotations: { [TRIGGER_SEQ]: String(seq), [TRIGGER_BY]: this.#o.identity, [TRIGGER_DETAIL]: detail.slice(0, 200) },
      };
      try {
        const record = current ? await this.#o.leases.update(write, current.resourceVersion) : await this.#o.leases.create(write);
        this.#records.set(name, record);
        this.#triggerSeq = seq;
        return;
      } catch (error) {
        if (!(error instanceof LeaseConflictError)) throw error;
        const fresh = (await this.#o.leases.list()).find((r) => r.name === name);
        if (fresh) this.#records.set(name, fresh);
        else this.#records.delete(name);
      }
    }
  }

  snapshot(): CoordinatorSnapshot {
    return {
      identity: this.#o.identity,
      members: [...this.#members],
      owned: [...this.owned()].sort((a, b) => a - b),
      leader: this.isLeader(),
      holders: Array.from({ length: this.#o.shards }, (_, s) => this.#records.get(this.#shardName(s))?.holder ?? ''),
      ready: this.#ready,
    };
  }

  #loop(): void {
    if (this.#stopped) return;
    void this.tick().finally(() => {
      if (!this.#stopped) this.#timer = this.#o.clock.setTimer(this.#o.retryPeriodMs, () => this.#loop());
    });
  }

  async #tick(): Promise<void> {
    const { clock, identity } = this.#o;
    try {
      const records = await this.#o.leases.list();
      const now = clock.now();
      this.#observe(records, now);
      await this.#hold(this.#name('member'), 'member', true);
      this.#members = this.#liveMembers();
      const owners = preferredOwners(this.#o.shards, this.#members);
      const work: Promise<void>[] = [];
      for (let shard = 0; shard < this.#o.shards; shard++) {
        const preferred = owners[shard];
        const name = this.#shardName(shard);
        if (this.#held.has(name) && preferred !== identity && preferred !== undefined && !this.#inUse.has(shard)) {
          work.push(this.#release(name));
        } else {
          const orphaned = now - (this.#freeSince.get(name) ?? now) >= this.#o.leaseDurationMs;
          work.push(this.#hold(name, 'shard', preferred === identity || orphaned));
        }
      }
      work.push(this.#hold(this.#name('leader'), 'leader', true));
      await Promise.all(work);
      if (this.isLeader()) await this.#collectDeadMembers(now);
      this.#watchTrigger();
      this.#ready = true;
    } catch (error) {
      this.#o.onError?.(error);
    }
    this.#notify();
  }

  /** Notes which leases changed since the last round (their expiry clocks restart) and which are free. */
  #observe(records: readonly LeaseRecord[], now: number): void {
    this.#records = new Map(records.map((r) => [r.name, r]));
    for (const record of records) {
      const seen = this.#observed.get(record.name);
      if (!seen || seen.resourceVersion !== record.resourceVersion) this.#observed.set(record.name, { resourceVersion: record.resourceVersion, at: now });
    }
    for (let shard = 0; shard < this.#o.shards; shard++) {
      const name = this.#shardName(shard);
      if (this.#isFree(name, now)) {
        if (!this.#freeSince.has(name)) this.#freeSince.set(name, now);
      } else this.#freeSince.delete(name);
    }
  }

  #isFree(name: string, now: number): boolean {
    const record = this.#records.get(name);
    if (!record || !record.holder) return true;
    if (record.holder === this.#o.identity) return false;
    const seen = this.#observed.get(name);
    const duration = (record.durationSeconds ?? 0) * 1000;
    return seen !== undefined && now - seen.at > duration;
  }

  #liveMembers(): string[] {
    const now = this.#o.clock.now();
    const prefix = this.#name('member-');
    const members = new Set([this.#o.identity]);
    for (const record of this.#records.values()) {
      if (record.name.startsWith(prefix) && record.holder && !this.#isFree(record.name, now)) members.add(record.holder);
    }
    return [...members].sort();
  }

  /**
   * The elected replica deletes the member leases of replicas gone for `DEAD_MEMBER_DURATIONS` lease durations
   * (every rolling update leaves some behind; pod names are not reused). A replica that comes back recreates its
   * own; a precondition on the resourceVersion keeps a renewed one.
   */
  async #collectDeadMembers(now: number): Promise<void> {
    const prefix = this.#name('member-');
    for (const record of this.#records.values()) {
      if (!record.name.startsWith(prefix) || record.name === this.#name('member')) continue;
      const seen = this.#observed.get(record.name);
      const limit = DEAD_MEMBER_DURATIONS * Math.max(1, record.durationSeconds ?? 1) * 1000;
      if (!seen || now - seen.at <= limit) continue;
      try {
        await this.#o.leases.remove(record.name, record.resourceVersion);
        this.#records.delete(record.name);
        this.#observed.delete(record.name);
      } catch (error) {
        if (!(error instanceof LeaseConflictError)) throw error;
      }
    }
  }

  /** Renews a held lease when due, or takes it when `want`s it and it is free. Conflicts just lose the race. */
  async #hold(name: string, role: LeaseRole, want: boolean): Promise<void> {
    const { clock, identity, leases } = this.#o;
    const now = clock.now();
    const record = this.#records.get(name);
    const held = this.#held.get(name);
    const mine = record?.holder === identity;
    if (held && !mine) {
      // Someone took it (we were too slow to renew): it is theirs now.
      this.#held.delete(name);
      return;
    }
    if (mine && held && now - held.renewedAt < this.#o.renewIntervalMs) return;
    if (!mine && !(want && this.#isFree(name, now))) return;
    const durationSeconds = Math.ceil(this.#o.leaseDurationMs / 1000);
    const write = {
      name,
      role,
      holder: identity,
      durationSeconds,
      acquireTime: mine ? undefined : now,
      renewTime: now,
      transitions: (record?.transitions ?? 0) + (mine || !record?.holder ? 0 : 1),
    };
    try {
      const written = record ? await leases.update(write, record.resourceVersion) : await leases.create(write);
      this.#records.set(name, written);
      this.#observed.set(name, { resourceVersion: written.resourceVersion, at: now });
      this.#freeSince.delete(name);
      this.#held.set(name, { until: now + durationSeconds * 1000, renewedAt: now, record: written });
    } catch (error) {
      if (!(error instanceof LeaseConflictError)) throw error;
      this.#held.delete(name);
    }
  }

  /** Hands a held lease back (holder cleared), so the next owner need not wait for it to expire. */
  async #release(name: string): Promise<void> {
    const held = this.#held.get(name);
    if (!held) return;
    // Not ours from this moment on, whatever the write does.
    this.#held.delete(name);
    const record = this.#records.get(name) ?? held.record;
    try {
      const written = await this.#o.leases.update(
        { name, role: this.#roleOf(name), holder: '', durationSeconds: 1, renewTime: this.#o.clock.now(), transitions: record.transitions },
        record.resourceVersion,
      );
      this.#records.set(name, written);
    } catch (error) {
      if (!(error instanceof LeaseConflictError)) this.#o.onError?.(error);
    }
  }

  #watchTrigger(): void {
    const record = this.#records.get(this.#name('trigger'));
    if (!record) {
      // Not created yet: the first broadcast, whoever makes it, is news.
      this.#triggerSeq ??= 0;
      return;
    }
    const seq = Number(record.annotations[TRIGGER_SEQ] ?? '0');
    const previous = this.#triggerSeq;
    this.#triggerSeq = seq;
    if (previous !== undefined && seq !== previous && record.annotations[TRIGGER_BY] !== this.#o.identity) {
      this.#o.onPeerTrigger?.(`${record.annotations[TRIGGER_BY] ?? 'a replica'}: ${record.annotations[TRIGGER_DETAIL] ?? ''}`);
    }
  }

  #notify(): void {
    const owned = this.owned();
    const key = `${[...owned].sort((a, b) => a - b).join(',')}|${this.isLeader()}`;
    if (key === this.#lastOwned) return;
    this.#lastOwned = key;
    this.#o.onChange?.(owned, this.isLeader());
  }

  #name(suffix: string): string {
    return suffix === 'member' ? `${this.#o.group}-member-${this.#o.identity}` : `${this.#o.group}-${suffix}`;
  }

  #roleOf(name: string): LeaseRole {
    if (name === this.#name('leader')) return 'leader';
    return this.#shardOf(name) === undefined ? 'member' : 'shard';
  }

  #shardName(shard: number): string {
    return `${this.#o.group}-shard-${shard}`;
  }

  #shardOf(name: string): number | undefined {
    const prefix = `${this.#o.group}-shard-`;
    return name.startsWith(prefix) ? Number(name.slice(prefix.length)) : undefined;
  }
}
