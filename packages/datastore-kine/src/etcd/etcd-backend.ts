/**
 * The etcd driver: the Backend interface mapped onto a real etcd (v3 API)
 * through the `etcd3` package's low-level clients.
 *
 * Most of the mapping is one-to-one, since the Backend mirrors etcd's own
 * model (kine's). The places where it is not:
 *
 * - Compaction horizon. etcd's compacted error carries no revision, and
 *   etcd 3.4 reports its compact revision nowhere cheap: compact-revision.ts
 *   finds it by probing. etcd serves a watch from exactly its compact
 *   revision, which the Backend refuses, so such watches are checked first.
 * - "Now" for a watch. The Backend's watch() is synchronous, etcd's watch
 *   creation is not: a watch without a start revision starts after the
 *   newest revision this backend has seen, so that a write made right after
 *   watch() returns is never missed (see etcd-watch.ts).
 * - Lease ids. etcd picks random 63-bit ids, which JS numbers cannot hold;
 *   lk picks its own ids below 2^53 (lease-ids.ts).
 * - Progress notifications. etcd 3.4 can answer a progress request before
 *   events it covers; progress-gate.ts only passes on answers known safe.
 * - Retries. etcd3's automatic retries would resend writes whose outcome is
 *   unknown; here only reads (and writes that never left) are retried.
 */
import type { Logger } from 'pino';
import {
  CompareResult,
  CompareTarget,
  castGrpcError,
  type Etcd3,
  type IRangeRequest,
  type IRangeResponse,
  type IResponseHeader,
  type ITxnRequest,
  type ITxnResponse,
} from 'etcd3';
import type {
  Backend,
  CompactResult,
  CountOptions,
  CountResult,
  DeleteOptions,
  DeleteResult,
  GetOptions,
  GetResult,
  Lease,
  LeaseTimeToLive,
  ListOptions,
  ListResult,
  Watch,
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
  TooLargeError,
  UnavailableError,
} from '../errors.js';
import {
  MAX_VALUE_BYTES,
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
import { BackgroundCompactor } from '../compactor.js';
import { closeStream, createEtcdClient, REQUEST_TIMEOUT_MS } from './client.js';
import { findCompactRevision } from './compact-revision.js';
import { int64, keyBytes, keyRange, PROBE_KEY, toKeyValue, valueBytes } from './convert.js';
import { classifyEtcdError, neverSent, reasonOf } from './etcd-errors.js';
import { EtcdWatch, type WatchHost } from './etcd-watch.js';
import { grantWithOwnId } from './lease-ids.js';

export interface EtcdBackendOptions {
  /** Client URLs of the etcd members, e.g. `http://127.0.0.1:2379`. */
  readonly endpoints: readonly string[];
  readonly logger?: Logger;
  /** Compact in the background this often (ms); 0 turns it off. Default 5 minutes, as kube-apiserver does. */
  readonly compactIntervalMs?: number;
  /** Revisions of history background compaction keeps (default 1000). */
  readonly compactRetainRevisions?: number;
  /** SQL drivers only (endpoint.ts passes every driver the same tuning): etcd pushes watch events itself. */
  readonly pollIntervalMs?: number;
  /** SQL drivers only: etcd compacts in one call. */
  readonly compactBatchSize?: number;
  /** SQL drivers only: etcd expires its leases itself. */
  readonly leaseCheckIntervalMs?: number;
}

/** Opens an etcd-backed {@link Backend}; fails with UnavailableError when no endpoint answers. */
export async function openEtcdBackend(options: EtcdBackendOptions): Promise<Backend> {
  return EtcdBackend.open(options);
}

/**
 * How a call may be retried when etcd is unreachable: reads (and idempotent
 * calls) always; writes only when the request certainly never left.
 */
type Retry = 'safe' | 'if-unsent';

const COMPACT_TIMEOUT_MS = 5 * 60_000;
const KEEP_ALIVE_TIMEOUT_MS = REQUEST_TIMEOUT_MS;

class EtcdBackend implements Backend {
  private closed = false;
  /** The highest compact revision seen: a lower bound of etcd's, since compaction only moves forward. */
  private knownCompactRevision = 0;
  /** The newest store revision any answer from etcd has carried: "now", as far as this backend knows. */
  private highestSeen = 0;
  private readonly watches = new Set<EtcdWatch>();
  private readonly compactor: BackgroundCompactor;
  private readonly watchHost: WatchHost;

  private constructor(
    private readonly client: Etcd3,
    private readonly endpoints: readonly string[],
    private readonly logger: Logger,
    options: EtcdBackendOptions,
  ) {
    this.compactor = new BackgroundCompactor(this, {
      intervalMs: options.compactIntervalMs ?? 5 * 60_000,
      retainRevisions: options.compactRetainRevisions ?? 1000,
      logger,
    });
    this.watchHost = {
      logger,
      openStream: () => this.client.watchClient.watch(),
      compactRevision: () => this.compactRevision(),
      noteCompactRevision: (revision) => this.noteCompactRevision(revision),
      noteRevision: (revision) => {
        this.highestSeen = Math.max(this.highestSeen, revision);
      },
      forget: (watch) => this.watches.delete(watch),
    };
  }

  static async open(options: EtcdBackendOptions): Promise<EtcdBackend> {
    if (options.endpoints.length === 0) throw new InvalidArgumentError('the etcd driver needs at least one endpoint');
    const logger = options.logger ?? silentLogger();
    const client = createEtcdClient(options.endpoints);
    const backend = new EtcdBackend(client, options.endpoints, logger, options);
    try {
      // Fail now, with a clear message, rather than on the first request.
      await backend.currentRevision();
    } catch (error) {
      client.close();
      throw error;
    }
    backend.compactor.start();
    return backend;
  }

  // ---------------------------------------------------------------- reads

  async get(key: string, options: GetOptions = {}): Promise<GetResult> {
    validateKey(key);
    validateRevision('revision', options.revision);
    const { revision, response } = await this.range({ key: keyBytes(key) }, options.revision);
    const kv = response.kvs[0];
    return { revision, kv: kv === undefined ? undefined : toKeyValue(kv) };
  }

  async list(options: ListOptions): Promise<ListResult> {
    validatePrefix(options.prefix);
    validateRevision('revision', options.revision);
    validateLimit(options.limit);
    const range = keyRange(options.prefix, rangeStart(options.prefix, options.startKey));
    const keysOnly = options.keysOnly === true;
    const { revision, response } = await this.range(
      { key: range.key, range_end: range.rangeEnd, limit: options.limit ?? 0, keys_only: keysOnly },
      options.revision,
    );
    // etcd returns a range in ascending byte order of the keys unless asked otherwise.
    return { revision, kvs: response.kvs.map((kv) => toKeyValue(kv, keysOnly)), more: response.more };
  }

  async count(prefix: string, options: CountOptions = {}): Promise<CountResult> {
    validatePrefix(prefix);
    validateRevision('revision', options.revision);
    const range = keyRange(prefix, rangeStart(prefix, options.startKey));
    const { revision, response } = await this.range({ key: range.key, range_end: range.rangeEnd, count_only: true }, options.revision);
    return { revision, count: int64(response.count, 'a count') };
  }

  /**
   * A Range at the latest revision (reporting the header's revision) or at
   * an explicit one (reporting that one, as a read at a revision does).
   * etcd's rule for past revisions is the Backend's: the compact revision
   * itself is still readable, anything before it is not.
   */
  private async range(request: IRangeRequest, atRevision: number | undefined): Promise<{ revision: number; response: IRangeResponse }> {
    this.assertOpen();
    if (atRevision === undefined || atRevision === 0) {
      const response = await this.call('safe', 'a read', () => this.client.kv.range(request));
      return { revision: headerRevision(response.header), response };
    }
    // Compaction only moves forward: below a horizon already seen, no need to ask.
    if (atRevision < this.knownCompactRevision) throw new CompactedError(atRevision, this.knownCompactRevision);
    try {
      const response = await this.call('safe', 'a read', () => this.client.kv.range({ ...request, revision: atRevision }));
      return { revision: atRevision, response };
    } catch (error) {
      throw await this.revisionError(error, atRevision);
    }
  }

  /** etcd's revision errors as the Backend's, with the numbers etcd leaves out. */
  private async revisionError(error: unknown, revision: number): Promise<unknown> {
    switch (classifyEtcdError(error)) {
      case 'compacted': {
        // etcd refuses exactly the revisions below its compact revision (and
        // compactions at or below it), so the horizon is at least this far.
        const compacted = await this.compactRevision().catch(() => this.knownCompactRevision);
        return new CompactedError(revision, Math.max(compacted, revision));
      }
      case 'future':
        return new FutureRevisionError(revision, await this.currentRevision());
      default:
        return error;
    }
  }

  async currentRevision(): Promise<number> {
    const response = await this.call('safe', 'reading the current revision', () =>
      this.client.kv.range({ key: PROBE_KEY, count_only: true }),
    );
    return headerRevision(response.header);
  }

  // --------------------------------------------------------------- writes

  async create(key: string, value: Uint8Array, options: WriteOptions = {}): Promise<WriteResult> {
    validateKey(key);
    validateValue(value);
    const lease = validateLeaseId(options.lease);
    const name = keyBytes(key);
    const response = await this.txn(key, value, lease, {
      compare: [{ key: name, target: CompareTarget.Mod, result: CompareResult.Equal, mod_revision: 0 }],
      success: [{ request_put: { key: name, value: valueBytes(value), lease: String(lease) } }],
      failure: [{ request_range: { key: name, keys_only: true } }],
    });
    if (!response.succeeded) throw new KeyExistsError(key);
    return this.written(response);
  }

  async update(key: string, value: Uint8Array, expectedRevision: number, options: WriteOptions = {}): Promise<WriteResult> {
    validateKey(key);
    validateValue(value);
    validateRevision('expectedRevision', expectedRevision);
    const lease = validateLeaseId(options.lease);
    const name = keyBytes(key);
    const response = await this.txn(key, value, lease, {
      compare: [
        { key: name, target: CompareTarget.Mod, result: CompareResult.Equal, mod_revision: expectedRevision },
        // A missing key's mod revision is 0: without this, update(key, v, 0) would create it.
        { key: name, target: CompareTarget.Version, result: CompareResult.Greater, version: 0 },
      ],
      success: [{ request_put: { key: name, value: valueBytes(value), lease: String(lease) } }],
      failure: [{ request_range: { key: name } }],
    });
    if (!response.succeeded) throw this.casFailure(key, expectedRevision, response);
    return this.written(response);
  }

  async delete(key: string, options: DeleteOptions = {}): Promise<DeleteResult> {
    validateKey(key);
    validateRevision('expectedRevision', options.expectedRevision);
    const expected = options.expectedRevision ?? 0;
    const name = keyBytes(key);
    if (expected === 0) {
      this.assertOpen();
      const response = await this.call('if-unsent', 'a delete', () => this.client.kv.deleteRange({ key: name, prev_kv: true }));
      const prev = response.prev_kvs[0];
      if (prev === undefined) throw new KeyNotFoundError(key);
      return { ...this.written(response), prevKv: toKeyValue(prev) };
    }
    const response = await this.txn(key, undefined, 0, {
      compare: [{ key: name, target: CompareTarget.Mod, result: CompareResult.Equal, mod_revision: expected }],
      success: [{ request_delete_range: { key: name, prev_kv: true } }],
      failure: [{ request_range: { key: name } }],
    });
    if (!response.succeeded) throw this.casFailure(key, expected, response);
    const prev = response.responses[0]?.response_delete_range?.prev_kvs[0];
    if (prev === undefined) throw new Error(`etcd deleted ${JSON.stringify(key)} without returning its previous value`);
    return { ...this.written(response), prevKv: toKeyValue(prev) };
  }

  /** Runs a write Txn, turning etcd's refusals into the Backend's errors. */
  private async txn(key: string, value: Uint8Array | undefined, lease: number, request: ITxnRequest): Promise<ITxnResponse> {
    this.assertOpen();
    try {
      return await this.call('if-unsent', 'a write', () => this.client.kv.txn(request));
    } catch (error) {
      switch (classifyEtcdError(error)) {
        case 'lease-not-found':
          throw new LeaseNotFoundError(lease);
        case 'too-large':
          // etcd limits the whole request (--max-request-bytes, 1.5 MiB by
          // default), so a value just under MAX_VALUE_BYTES can still be refused.
          throw new TooLargeError(
            `the etcd request writing ${JSON.stringify(key)} (key, value and transaction)`,
            Buffer.byteLength(key) + (value?.byteLength ?? 0),
            MAX_VALUE_BYTES,
          );
        default:
          throw error;
      }
    }
  }

  /** The failed branch of a compare-and-swap read the key: say why it failed. */
  private casFailure(key: string, expected: number, response: ITxnResponse): Error {
    const current = response.responses[0]?.response_range?.kvs[0];
    if (current === undefined) return new KeyNotFoundError(key);
    return new RevisionMismatchError(key, expected, toKeyValue(current));
  }

  private written(response: { header: IResponseHeader }): WriteResult {
    this.compactor.noteWrite();
    return { revision: headerRevision(response.header) };
  }

  // -------------------------------------------------------------- watches

  watch(prefix: string, options: WatchOptions = {}): Watch {
    validatePrefix(prefix);
    validateRevision('fromRevision', options.fromRevision);
    validateProgressInterval(options.progressIntervalMs);
    this.assertOpen();
    const watch = new EtcdWatch(this.watchHost, keyRange(prefix, prefix), options, this.highestSeen);
    this.watches.add(watch);
    return watch.start();
  }

  // --------------------------------------------------------------- leases

  async grantLease(ttlSeconds: number): Promise<Lease> {
    validateTtl(ttlSeconds);
    this.assertOpen();
    // etcd raises a TTL below its minimum (about 2 s) and says so in the answer.
    return grantWithOwnId(async (id) => {
      const response = await this.call('if-unsent', 'a lease grant', () =>
        this.client.leaseClient.leaseGrant({ ID: String(id), TTL: ttlSeconds }),
      );
      if (response.error) throw new UnavailableError(`etcd refused the lease: ${response.error}`);
      return int64(response.TTL, 'a lease TTL');
    });
  }

  async revokeLease(id: number): Promise<void> {
    requireLeaseId(id);
    this.assertOpen();
    try {
      await this.call('if-unsent', 'a lease revocation', () => this.client.leaseClient.leaseRevoke({ ID: String(id) }));
    } catch (error) {
      if (classifyEtcdError(error) === 'lease-not-found') throw new LeaseNotFoundError(id);
      throw error;
    }
  }

  async keepAliveLease(id: number): Promise<Lease> {
    requireLeaseId(id);
    this.assertOpen();
    // Renewing twice is harmless, so a keep-alive may be retried like a read.
    const ttl = await this.call('safe', 'a lease keep-alive', () => this.keepAliveOnce(id));
    // etcd answers a keep-alive for an unknown lease with TTL 0.
    if (ttl <= 0) throw new LeaseNotFoundError(id);
    return { id, ttl };
  }

  /** One round on a LeaseKeepAlive stream: etcd has no unary keep-alive. */
  private async keepAliveOnce(id: number): Promise<number> {
    const stream = await this.client.leaseClient.leaseKeepAlive();
    return new Promise<number>((resolve, reject) => {
      let settled = false;
      const settle = (outcome: () => void): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        outcome();
        closeStream(stream);
      };
      const timer = setTimeout(
        () => settle(() => reject(new UnavailableError(`etcd did not answer a lease keep-alive within ${KEEP_ALIVE_TIMEOUT_MS} ms`))),
        KEEP_ALIVE_TIMEOUT_MS,
      );
      stream.on('data', (response) => settle(() => resolve(int64(response.TTL, 'a lease TTL'))));
      stream.on('error', (error) => settle(() => reject(castGrpcError(error))));
      stream.on('end', () => settle(() => reject(new UnavailableError('etcd ended the lease keep-alive stream without an answer'))));
      stream.write({ ID: String(id) });
    });
  }

  async leaseTimeToLive(id: number): Promise<LeaseTimeToLive> {
    requireLeaseId(id);
    this.assertOpen();
    const response = await this.call('safe', 'a lease lookup', () =>
      this.client.leaseClient.leaseTimeToLive({ ID: String(id), keys: true }),
    );
    const ttl = int64(response.TTL, 'a lease TTL');
    // etcd answers -1 for a lease that does not exist (or has just expired).
    if (ttl < 0) return { id, ttl: -1, grantedTtl: 0, keys: [] };
    return {
      id,
      ttl,
      grantedTtl: int64(response.grantedTTL, 'a lease TTL'),
      keys: response.keys.map((key) => key.toString('utf8')),
    };
  }

  // ----------------------------------------------------------- compaction

  async compact(revision: number): Promise<CompactResult> {
    validateRevision('revision', revision);
    this.assertOpen();
    if (revision <= this.knownCompactRevision) throw new CompactedError(revision, this.knownCompactRevision);
    try {
      // physical: return once the history is really gone, as the SQL drivers do.
      await this.call('if-unsent', 'a compaction', () =>
        this.client.kv.compact({ revision, physical: true }, { deadline: Date.now() + COMPACT_TIMEOUT_MS }),
      );
    } catch (error) {
      throw await this.revisionError(error, revision);
    }
    this.noteCompactRevision(revision);
    return { compactRevision: revision };
  }

  async compactRevision(): Promise<number> {
    this.assertOpen();
    const current = await this.currentRevision();
    const found = await findCompactRevision((revision) => this.readableAt(revision), this.knownCompactRevision, current);
    this.noteCompactRevision(found);
    return this.knownCompactRevision;
  }

  private async readableAt(revision: number): Promise<boolean> {
    try {
      await this.call('safe', 'probing the compact revision', () =>
        this.client.kv.range({ key: PROBE_KEY, count_only: true, revision }),
      );
      return true;
    } catch (error) {
      if (classifyEtcdError(error) === 'compacted') return false;
      throw error;
    }
  }

  private noteCompactRevision(revision: number): void {
    this.knownCompactRevision = Math.max(this.knownCompactRevision, revision);
  }

  async size(): Promise<number> {
    const status = await this.call('safe', 'reading the database size', () => this.client.maintenance.status());
    return int64(status.dbSize, 'a database size');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.compactor.stop();
    for (const watch of [...this.watches]) watch.close();
    this.client.close();
  }

  // -------------------------------------------------------------- helpers

  private assertOpen(): void {
    if (this.closed) throw new ClosedError();
  }

  /**
   * Runs one etcd call. A connection failure is retried with a short backoff
   * when that is safe (each attempt may go to another endpoint) and otherwise
   * becomes an UnavailableError that names the endpoints and says whether a
   * write may have been applied. etcd's other answers pass through for the
   * caller to interpret.
   */
  private async call<T>(retry: Retry, what: string, run: () => Promise<T>): Promise<T> {
    const attempts = Math.max(3, this.endpoints.length + 1);
    for (let attempt = 1; ; attempt++) {
      this.assertOpen();
      try {
        const result = await run();
        this.noteHeader(result);
        return result;
      } catch (error) {
        if (this.closed) throw new ClosedError();
        if (classifyEtcdError(error) !== 'unavailable') throw error;
        const unsent = neverSent(error);
        if (attempt >= attempts || (retry === 'if-unsent' && !unsent)) throw this.unavailable(error, what, retry === 'if-unsent' && !unsent);
        await sleep(50 * 2 ** (attempt - 1));
      }
    }
  }

  /** Every etcd answer carries the store revision it was served at. */
  private noteHeader(result: unknown): void {
    if (typeof result !== 'object' || result === null || !('header' in result)) return;
    const { header } = result as { header?: IResponseHeader | null };
    if (header?.revision) this.highestSeen = Math.max(this.highestSeen, headerRevision(header));
  }

  private unavailable(error: unknown, what: string, outcomeUnknown: boolean): UnavailableError {
    const outcome = outcomeUnknown ? ' (it may or may not have been applied)' : '';
    return new UnavailableError(`etcd at ${this.endpoints.join(', ')} is unavailable: ${what} failed${outcome}: ${reasonOf(error)}`, {
      cause: error,
    });
  }
}

function headerRevision(header: IResponseHeader | undefined): number {
  return int64(header?.revision, 'a header revision');
}

/** No lease lk grants has an id outside [1, 2^53 - 1]: any other id names no lease. */
function requireLeaseId(id: number): void {
  if (!Number.isSafeInteger(id) || id <= 0) throw new LeaseNotFoundError(id);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
