import type { Logger } from 'pino';
import type {
  Backend,
  CompactResult,
  CountOptions,
  CountResult,
  DeleteOptions,
  DeleteResult,
  GetOptions,
  GetResult,
  KeyValue,
  Lease,
  LeaseTimeToLive,
  ListOptions,
  ListResult,
  Watch,
  WatchBatch,
  WatchOptions,
  WriteOptions,
  WriteResult,
} from '../backend.js';
import {
  ClosedError,
  CompactedError,
  FutureRevisionError,
  InvalidArgumentError,
  KeyExistsError,
  KeyNotFoundError,
  LeaseNotFoundError,
  RevisionMismatchError,
  UnavailableError,
} from '../errors.js';
import {
  prefixEnd,
  rangeStart,
  validateKey,
  validateLeaseId,
  validateLimit,
  validatePrefix,
  validateProgressInterval,
  validateRevision,
  validateTtl,
  validateValue,
} from '../keys.js';
import { silentLogger } from '../logger.js';
import { AsyncQueue } from '../watch/async-queue.js';
import { LeaseExpirer } from './lease-expirer.js';
import type { SqlDialect } from './dialect.js';
import type { SqlDriver, SqlParam, SqlResult, SqlRow } from './driver.js';
import { LogPoller, type Subscriber } from './poller.js';
import { isFillRow, rowToEvent, rowToKeyValue, toKey, toNumber } from './rows.js';
import { Statements } from './statements.js';
import { BackgroundCompactor } from '../compactor.js';

export interface SqlBackendOptions {
  /** Poll for other processes' writes this often (ms); 0 polls only after local writes. */
  readonly pollIntervalMs?: number;
  /** How long a gap in ids may stay open before it is filled (ms). */
  readonly gapGraceMs?: number;
  /** Compact in the background this often (ms); 0 turns background compaction off. */
  readonly compactIntervalMs?: number;
  /** Revisions of history kept behind the current revision by background compaction. */
  readonly compactRetainRevisions?: number;
  /** Ids handled per compaction step, so that no step holds locks for long. */
  readonly compactBatchSize?: number;
  /** Look for expired leases this often (ms). */
  readonly leaseCheckIntervalMs?: number;
  readonly logger?: Logger;
}

const WRITE_ATTEMPTS = 8;
const HISTORY_PAGE = 1000;

/**
 * The log engine: a {@link Backend} over any SQL database that has a dialect
 * and a driver. See statements.ts for the table and poller.ts for watches.
 */
export class SqlLogBackend implements Backend {
  private readonly statements: Statements;
  private readonly logger: Logger;
  private readonly poller: LogPoller;
  private readonly compactor: BackgroundCompactor;
  private readonly leaseExpirer: LeaseExpirer;
  private closed = false;
  /** The newest revision a write through this backend has been acknowledged with. */
  private highestWritten = 0;

  private constructor(
    private readonly driver: SqlDriver,
    private readonly dialect: SqlDialect,
    statements: Statements,
    startRevision: number,
    options: SqlBackendOptions,
  ) {
    this.statements = statements;
    this.logger = options.logger ?? silentLogger();
    this.poller = new LogPoller(driver, statements, startRevision, {
      intervalMs: options.pollIntervalMs ?? 250,
      gapGraceMs: options.gapGraceMs ?? 10,
      batchSize: 1000,
      compactRevision: () => this.compactRevision(),
      logger: this.logger,
    });
    this.compactor = new BackgroundCompactor(this, {
      intervalMs: options.compactIntervalMs ?? 5 * 60_000,
      retainRevisions: options.compactRetainRevisions ?? 1000,
      logger: this.logger,
    });
    this.compactBatchSize = options.compactBatchSize ?? 1000;
    this.leaseExpirer = new LeaseExpirer(this, options.leaseCheckIntervalMs ?? 1000, this.logger);
  }

  private readonly compactBatchSize: number;

  /** Creates the schema if needed and starts the poller, the compactor and the lease expirer. */
  static async open(driver: SqlDriver, dialect: SqlDialect, options: SqlBackendOptions = {}): Promise<SqlLogBackend> {
    const statements = new Statements(dialect);
    try {
      for (const sql of dialect.schema) await driver.query(sql);
      const { rows } = await driver.query(statements.currentRevision);
      const backend = new SqlLogBackend(driver, dialect, statements, toNumber(rows[0]?.['id']), options);
      backend.poller.start();
      backend.compactor.start();
      backend.leaseExpirer.start();
      return backend;
    } catch (error) {
      await driver.close().catch(() => undefined);
      throw error;
    }
  }

  get dialectName(): SqlDialect['name'] {
    return this.dialect.name;
  }

  // ---------------------------------------------------------------- reads

  async get(key: string, options: GetOptions = {}): Promise<GetResult> {
    validateKey(key);
    validateRevision('revision', options.revision);
    // A single key needs no wait for the poller: its newest committed row is
    // its state, and a write still in flight is simply concurrent with the read.
    const revision = await this.readRevision(options.revision, false);
    const { rows } = await this.run(this.statements.getAt, [key, revision]);
    const row = rows[0];
    const kv = row !== undefined && toNumber(row['deleted']) === 0 ? rowToKeyValue(row) : undefined;
    return { revision, kv };
  }

  async list(options: ListOptions): Promise<ListResult> {
    validatePrefix(options.prefix);
    validateRevision('revision', options.revision);
    validateLimit(options.limit);
    const revision = await this.readRevision(options.revision);
    const start = rangeStart(options.prefix, options.startKey);
    const end = prefixEnd(options.prefix);
    const limit = options.limit !== undefined && options.limit > 0 ? options.limit : undefined;
    const params: SqlParam[] = [start];
    if (end !== undefined) params.push(end);
    params.push(revision, revision);
    if (limit !== undefined) params.push(limit + 1);
    const sql = this.statements.range({
      hasEnd: end !== undefined,
      atRevision: true,
      keysOnly: options.keysOnly === true,
      limited: limit !== undefined,
    });
    const { rows } = await this.run(sql, params);
    const more = limit !== undefined && rows.length > limit;
    const kept = more ? rows.slice(0, limit) : rows;
    return { revision, kvs: kept.map(rowToKeyValue), more };
  }

  async count(prefix: string, options: CountOptions = {}): Promise<CountResult> {
    validatePrefix(prefix);
    validateRevision('revision', options.revision);
    const revision = await this.readRevision(options.revision);
    const end = prefixEnd(prefix);
    const params: SqlParam[] = [rangeStart(prefix, options.startKey)];
    if (end !== undefined) params.push(end);
    params.push(revision, revision);
    const { rows } = await this.run(this.statements.count(end !== undefined, true), params);
    return { revision, count: toNumber(rows[0]?.['count']) };
  }

  /**
   * The revision a read is served at. An explicit one must be neither
   * compacted nor in the future. Without one it is the newest revision; where
   * commits can land out of id order the read first waits until the poller
   * has seen every id up to it, so that no write with a lower id can appear
   * in that range afterwards (a list followed by a watch misses nothing).
   */
  private async readRevision(requested: number | undefined, settled = true): Promise<number> {
    this.assertOpen();
    const current = await this.currentRevision();
    if (requested !== undefined && requested > 0) {
      if (requested > current) throw new FutureRevisionError(requested, current);
      // As etcd: the store as of the compact revision itself is still there, only what came before is gone.
      const compacted = await this.compactRevision();
      if (requested < compacted) throw new CompactedError(requested, compacted);
      return requested;
    }
    if (settled && !this.dialect.commitsInIdOrder) await this.poller.waitFor(current);
    return current;
  }

  async currentRevision(): Promise<number> {
    const { rows } = await this.run(this.statements.currentRevision, []);
    const newest = toNumber(rows[0]?.['id']);
    // Compaction spares the newest row, but a store whose every row was
    // compacted away still remembers how far it got.
    return newest > 0 ? newest : Math.max(newest, await this.compactRevision());
  }

  async compactRevision(): Promise<number> {
    return (await this.readMeta()).compactRevision;
  }

  private async readMeta(): Promise<{ compactRevision: number; compactedThrough: number }> {
    const { rows } = await this.run(this.statements.metaGet, []);
    let compactRevision = 0;
    let compactedThrough = 0;
    for (const row of rows) {
      const name = toKey(row['name']);
      if (name === 'compact_revision') compactRevision = toNumber(row['value']);
      else if (name === 'compacted_through') compactedThrough = toNumber(row['value']);
    }
    return { compactRevision, compactedThrough };
  }

  // --------------------------------------------------------------- writes

  async create(key: string, value: Uint8Array, options: WriteOptions = {}): Promise<WriteResult> {
    validateKey(key);
    validateValue(value);
    const lease = validateLeaseId(options.lease);
    if (lease !== 0) await this.requireLease(lease);
    return this.write(async () => {
      try {
        const id = await this.insert(this.statements.create, [key, lease, toParam(value), key]);
        if (id !== undefined) return { revision: id };
      } catch (error) {
        if (this.driver.classify(error)?.kind !== 'unique' || this.constraintOf(error) !== 'name_prev') throw error;
      }
      // Nothing inserted, or a concurrent create won: find out which.
      const current = await this.latest(key);
      if (current !== undefined) throw new KeyExistsError(key);
      return undefined;
    });
  }

  async update(key: string, value: Uint8Array, expectedRevision: number, options: WriteOptions = {}): Promise<WriteResult> {
    validateKey(key);
    validateValue(value);
    validateRevision('expectedRevision', expectedRevision);
    const lease = validateLeaseId(options.lease);
    return this.write(async () => {
      try {
        const id = await this.insert(this.statements.update, [lease, toParam(value), expectedRevision, key, lease, lease, Date.now()]);
        if (id !== undefined) return { revision: id };
      } catch (error) {
        if (this.driver.classify(error)?.kind !== 'unique' || this.constraintOf(error) !== 'name_prev') throw error;
      }
      const current = await this.latest(key);
      if (current === undefined) throw new KeyNotFoundError(key);
      if (current.modRevision !== expectedRevision) throw new RevisionMismatchError(key, expectedRevision, current);
      if (lease !== 0) await this.requireLease(lease);
      return undefined;
    });
  }

  async delete(key: string, options: DeleteOptions = {}): Promise<DeleteResult> {
    validateKey(key);
    validateRevision('expectedRevision', options.expectedRevision);
    const expected = options.expectedRevision ?? 0;
    return this.write(async () => {
      const current = await this.latest(key);
      if (current === undefined) throw new KeyNotFoundError(key);
      if (expected !== 0 && current.modRevision !== expected) throw new RevisionMismatchError(key, expected, current);
      try {
        const id = await this.insert(this.statements.delete, [current.modRevision, key]);
        if (id !== undefined) return { revision: id, prevKv: current };
      } catch (error) {
        if (this.driver.classify(error)?.kind !== 'unique' || this.constraintOf(error) !== 'name_prev') throw error;
      }
      // Lost a race with another write; an unconditional delete tries again.
      if (expected !== 0) {
        const now = await this.latest(key);
        if (now === undefined) throw new KeyNotFoundError(key);
        throw new RevisionMismatchError(key, expected, now);
      }
      return undefined;
    });
  }

  /**
   * Runs one write attempt until it settles: `undefined` from the attempt
   * means "lost a benign race, try again" (a concurrent change between the
   * insert and the diagnosis, a fill row taking our id, a deadlock victim).
   */
  private async write<T extends { readonly revision: number }>(attempt: () => Promise<T | undefined>): Promise<T> {
    this.assertOpen();
    for (let i = 0; i < WRITE_ATTEMPTS; i++) {
      try {
        const result = await attempt();
        if (result !== undefined) {
          this.highestWritten = Math.max(this.highestWritten, result.revision);
          this.poller.noteWrite();
          this.compactor.noteWrite();
          return result;
        }
      } catch (error) {
        const failure = this.driver.classify(error);
        const retriable =
          failure?.kind === 'retry' || (failure?.kind === 'unique' && this.constraintOf(error) === 'primary');
        if (!retriable) throw this.translate(error);
      }
      if (i > 0) await sleep(2 ** i);
    }
    throw new UnavailableError(`write did not settle after ${WRITE_ATTEMPTS} attempts under contention`);
  }

  private constraintOf(error: unknown): 'primary' | 'name_prev' | 'other' | undefined {
    const failure = this.driver.classify(error);
    if (failure?.kind !== 'unique') return undefined;
    // On databases that hand out ids before commit, the losing insert burned one.
    if (failure.constraint === 'name_prev' && !this.dialect.commitsInIdOrder) this.poller.expediteGaps();
    return failure.constraint;
  }

  /** Runs an INSERT and returns the new id, or undefined when it inserted nothing. */
  private async insert(sql: string, params: readonly SqlParam[]): Promise<number | undefined> {
    const result = await this.driver.query(sql, params);
    return insertedId(result);
  }

  private async latest(key: string): Promise<KeyValue | undefined> {
    const { rows } = await this.run(this.statements.getLatest, [key]);
    const row = rows[0];
    return row !== undefined && toNumber(row['deleted']) === 0 ? rowToKeyValue(row) : undefined;
  }

  // -------------------------------------------------------------- watches

  watch(prefix: string, options: WatchOptions = {}): Watch {
    validatePrefix(prefix);
    validateRevision('fromRevision', options.fromRevision);
    validateProgressInterval(options.progressIntervalMs);
    this.assertOpen();
    const upTo = this.poller.lastRevision;
    const from = options.fromRevision ?? 0;
    const subscriber: Subscriber = {
      prefix,
      // Without a start revision the watch sees what comes after "now": after
      // every id the poller has resolved and every write this backend has
      // acknowledged (which the poller may not have dispatched yet). A write
      // still in flight with a lower id is ordered before "now" by its
      // revision, so leaving it out keeps the watch consistent with history.
      minRevision: from > 0 ? from : Math.max(upTo, this.highestWritten) + 1,
      queue: new AsyncQueue<WatchBatch>(() => close()),
      progressIntervalMs: options.progressIntervalMs,
      lastSentAt: Date.now(),
      // Live batches wait here while the watch replays history.
      pending: from > 0 && from <= upTo ? [] : undefined,
    };
    const close = (): void => {
      this.poller.unsubscribe(subscriber);
      subscriber.queue.close();
      options.signal?.removeEventListener('abort', close);
    };
    if (options.signal?.aborted) {
      subscriber.queue.close();
      return watchOf(subscriber.queue, close);
    }
    options.signal?.addEventListener('abort', close, { once: true });
    this.poller.subscribe(subscriber);
    // The poller skips work while nobody listens: catch it up now.
    this.poller.trigger();
    if (subscriber.pending !== undefined) {
      this.replay(subscriber, from, upTo).catch((error: unknown) => {
        this.poller.unsubscribe(subscriber);
        subscriber.queue.fail(this.translate(error));
      });
    }
    return watchOf(subscriber.queue, close);
  }

  /** Sends a resuming watcher the log rows in [from, upTo], then the live batches that queued meanwhile. */
  private async replay(subscriber: Subscriber, from: number, upTo: number): Promise<void> {
    const compacted = await this.compactRevision();
    if (from <= compacted) throw new CompactedError(from, compacted);
    const end = prefixEnd(subscriber.prefix);
    const sql = this.statements.history(end !== undefined);
    let next = from;
    while (next <= upTo && !subscriber.queue.closed) {
      const params: SqlParam[] = [next, upTo, subscriber.prefix];
      if (end !== undefined) params.push(end);
      params.push(HISTORY_PAGE);
      const { rows } = await this.run(sql, params);
      // Compaction may have removed rows while we read: then history is incomplete.
      const compactedNow = await this.compactRevision();
      if (from <= compactedNow) throw new CompactedError(from, compactedNow);
      const events = rows.filter((row) => !isFillRow(row)).map(rowToEvent);
      if (events.length > 0) subscriber.queue.push({ events, revision: events[events.length - 1]!.kv.modRevision });
      if (rows.length < HISTORY_PAGE) break;
      next = toNumber(rows[rows.length - 1]!['id']) + 1;
    }
    this.releasePending(subscriber, upTo);
  }

  /** Ends the catch-up phase: queued live batches go out, minus events the watcher must not see. */
  private releasePending(subscriber: Subscriber, caughtUpTo: number): void {
    const pending = subscriber.pending ?? [];
    subscriber.pending = undefined;
    let sent = false;
    for (const batch of pending) {
      const events = batch.events.filter((event) => event.kv.modRevision >= subscriber.minRevision);
      if (events.length === 0) continue;
      subscriber.queue.push(events.length === batch.events.length ? batch : { events, revision: batch.revision });
      sent = true;
    }
    if (!sent && subscriber.progressIntervalMs !== undefined) {
      subscriber.queue.push({ events: [], revision: Math.max(caughtUpTo, this.poller.lastRevision) });
    }
  }

  // --------------------------------------------------------------- leases

  async grantLease(ttlSeconds: number): Promise<Lease> {
    validateTtl(ttlSeconds);
    this.assertOpen();
    const result = await this.run(this.statements.leaseGrant, [ttlSeconds, Date.now() + ttlSeconds * 1000]);
    const id = insertedId(result);
    if (id === undefined) throw new UnavailableError('the database did not return the new lease id');
    return { id, ttl: ttlSeconds };
  }

  async revokeLease(id: number): Promise<void> {
    const lease = await this.leaseRow(id);
    if (lease === undefined) throw new LeaseNotFoundError(id);
    await this.deleteLeaseKeys(id);
    await this.run(this.statements.leaseDelete, [id]);
  }

  /** Deletes the keys still attached to a lease; a key changed meanwhile is left alone. */
  private async deleteLeaseKeys(id: number): Promise<void> {
    const { rows } = await this.run(this.statements.leaseKeys, [id]);
    for (const row of rows) {
      try {
        await this.delete(toKey(row['name']), { expectedRevision: toNumber(row['id']) });
      } catch (error) {
        if (error instanceof RevisionMismatchError || error instanceof KeyNotFoundError) continue;
        throw error;
      }
    }
  }

  async keepAliveLease(id: number): Promise<Lease> {
    const lease = await this.leaseRow(id);
    if (lease === undefined) throw new LeaseNotFoundError(id);
    const result = await this.run(this.statements.leaseKeepAlive, [Date.now() + lease.ttl * 1000, id]);
    if (result.affectedRows === 0) throw new LeaseNotFoundError(id);
    return { id, ttl: lease.ttl };
  }

  async leaseTimeToLive(id: number): Promise<LeaseTimeToLive> {
    const lease = await this.leaseRow(id);
    if (lease === undefined) return { id, ttl: -1, grantedTtl: 0, keys: [] };
    const { rows } = await this.run(this.statements.leaseKeys, [id]);
    const left = Math.max(0, Math.ceil((lease.expiresAt - Date.now()) / 1000));
    return { id, ttl: left, grantedTtl: lease.ttl, keys: rows.map((row) => toKey(row['name'])) };
  }

  /** Revokes leases whose time is up; called by the lease expirer. */
  async expireLeases(now: number): Promise<number> {
    const { rows } = await this.run(this.statements.leaseExpired, [now, 100]);
    let expired = 0;
    for (const row of rows) {
      const id = toNumber(row['id']);
      try {
        await this.deleteLeaseKeys(id);
        await this.run(this.statements.leaseDelete, [id]);
        expired++;
      } catch (error) {
        if (!(error instanceof LeaseNotFoundError)) throw error;
      }
    }
    return expired;
  }

  /**
   * The lease, or undefined when it does not exist or has run out: an expired
   * lease is gone for every purpose at once, as in etcd, even before the
   * expirer has deleted its keys.
   */
  private async leaseRow(id: number): Promise<{ ttl: number; expiresAt: number } | undefined> {
    if (!Number.isSafeInteger(id) || id <= 0) throw new LeaseNotFoundError(id);
    const { rows } = await this.run(this.statements.leaseGet, [id]);
    const row = rows[0];
    if (row === undefined) return undefined;
    const lease = { ttl: toNumber(row['ttl']), expiresAt: toNumber(row['expires_at']) };
    return lease.expiresAt > Date.now() ? lease : undefined;
  }

  private async requireLease(lease: number): Promise<void> {
    if ((await this.leaseRow(lease)) === undefined) throw new LeaseNotFoundError(lease);
  }

  // ----------------------------------------------------------- compaction

  async compact(revision: number): Promise<CompactResult> {
    validateRevision('revision', revision);
    this.assertOpen();
    const current = await this.currentRevision();
    if (revision > current) throw new FutureRevisionError(revision, current);
    const meta = await this.readMeta();
    if (revision <= meta.compactRevision) throw new CompactedError(revision, meta.compactRevision);
    // Announce first: from now on reads below the horizon fail instead of
    // seeing history that is being removed.
    await this.run(this.statements.metaAdvance, [revision, 'compact_revision', revision]);
    const removed = await this.removeCompacted(meta.compactedThrough, revision);
    return { compactRevision: revision, removed };
  }

  /** Removes superseded rows step by step, recording progress so a crash resumes where it stopped. */
  private async removeCompacted(from: number, to: number): Promise<number> {
    let removed = 0;
    const newest = toNumber((await this.run(this.statements.currentRevision, [])).rows[0]?.['id']);
    for (let low = from; low < to; low += this.compactBatchSize) {
      const high = Math.min(low + this.compactBatchSize, to);
      const { rows } = await this.run(this.statements.compactCandidates, [low, high, low, high]);
      const ids = [...new Set(rows.map((row) => toNumber(row['id'])))];
      for (let i = 0; i < ids.length; i += 500) {
        const chunk = ids.slice(i, i + 500);
        const result = await this.run(this.statements.compactDelete(chunk.length), [...chunk, newest]);
        removed += result.affectedRows;
      }
      // Each step is its own short statements, so writers get in between
      // steps (on Postgres and MySQL, row locks are held per statement only).
      await this.run(this.statements.metaAdvance, [high, 'compacted_through', high]);
    }
    return removed;
  }

  async size(): Promise<number> {
    const { rows } = await this.run(this.dialect.sizeQuery, []);
    return toNumber(rows[0]?.['size']);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.compactor.stop();
    this.leaseExpirer.stop();
    await this.poller.stop();
    await this.driver.close();
  }

  // -------------------------------------------------------------- helpers

  private assertOpen(): void {
    if (this.closed) throw new ClosedError();
  }

  private async run(sql: string, params: readonly SqlParam[]): Promise<SqlResult> {
    this.assertOpen();
    try {
      return await this.driver.query(sql, params);
    } catch (error) {
      throw this.translate(error);
    }
  }

  private translate(error: unknown): unknown {
    if (this.driver.classify(error)?.kind === 'unavailable') {
      const reason = error instanceof Error ? error.message : String(error);
      return new UnavailableError(`the ${this.dialect.name} database is unavailable: ${reason}`, { cause: error });
    }
    return error;
  }
}

function insertedId(result: SqlResult): number | undefined {
  const row: SqlRow | undefined = result.rows[0];
  if (row !== undefined && row['id'] !== undefined) return toNumber(row['id']);
  if (result.affectedRows > 0 && result.insertId !== undefined && result.insertId > 0) return result.insertId;
  return undefined;
}

function toParam(value: Uint8Array): Uint8Array {
  return Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function watchOf(queue: AsyncQueue<WatchBatch>, close: () => void): Watch {
  return {
    [Symbol.asyncIterator]: () => queue,
    close,
  };
}
