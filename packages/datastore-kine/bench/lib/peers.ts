/**
 * The references lk's figures are judged against, measured in the same run
 * on the same servers:
 *
 * - etcd direct: a real etcd through the `etcd3` client, no lk in between.
 *   Creates and updates are the same compare-and-swap Txns kube-apiserver
 *   sends (create: mod revision 0; update: mod revision as read), so the
 *   comparison is like for like; unconditional puts are measured as well.
 * - raw PostgreSQL / MySQL: sequential single-row INSERTs of a row of the
 *   same size into a plain key-value table (id primary key, unique name,
 *   value), one connection, autocommit: the database's own insert rate, with
 *   the same durability (one commit per insert) lk has.
 */
import { Etcd3 } from 'etcd3';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { keyName, scrambled, type Figures, type SequentialOptions } from './figures.js';
import { DeliveryClock, loadInParallel, payload, sequential, warmUp, watchDelivery, type PhaseResult } from './measure.js';
import type { Progress } from './progress.js';
import { mysqlConnectionOptions } from './targets.js';
import { median } from './stats.js';

const FIXTURE_PARALLEL = 16;

export async function benchEtcdDirect(
  hosts: readonly string[],
  prefix: string,
  options: SequentialOptions,
  progress: Progress,
): Promise<Figures> {
  const { n, valueBytes, maxSeconds } = options;
  // etcd3 as a user would configure it, except for gRPC's 4 MiB receive
  // limit, which a list of 10,000 values of 500 bytes exceeds (lk's driver lifts it too).
  const client = new Etcd3({
    hosts: hosts.map((host) => `http://${host}`),
    grpcOptions: { 'grpc.max_receive_message_length': -1 },
  });
  const toBuffer = (value: Uint8Array): Buffer => Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  const createTxn = async (key: string, value: Uint8Array): Promise<number> => {
    const response = await client
      .if(key, 'Mod', '==', 0)
      .then(client.put(key).value(toBuffer(value)))
      .commit();
    if (!response.succeeded) throw new Error(`etcd: ${key} already exists`);
    return Number(response.header.revision);
  };
  try {
    await warmUp(progress, options.warmUpSeconds, async (i) => {
      const key = keyName(`${prefix}warm/`, i);
      const revision = await createTxn(key, payload(valueBytes, i));
      await client
        .if(key, 'Mod', '==', revision)
        .then(client.put(key).value(toBuffer(payload(valueBytes, i + 1))))
        .commit();
      await client.get(key).exec();
    });

    const createPrefix = `${prefix}c/`;
    const revisions: number[] = [];
    const creates = await sequential(progress, 'creates (Txn: mod == 0 → put)', n, maxSeconds, async (i) => {
      revisions.push(await createTxn(keyName(createPrefix, i), payload(valueBytes, i)));
    });
    const keys = revisions.length;

    const updates = await sequential(progress, 'updates (Txn: mod == rev → put)', n, maxSeconds, async (i) => {
      const k = i % keys;
      const key = keyName(createPrefix, k);
      const response = await client
        .if(key, 'Mod', '==', revisions[k]!)
        .then(client.put(key).value(toBuffer(payload(valueBytes, n + i))))
        .commit();
      if (!response.succeeded) throw new Error(`etcd: ${key} is not at revision ${revisions[k]}`);
      revisions[k] = Number(response.header.revision);
    });

    const puts = await sequential(progress, 'puts (unconditional)', n, maxSeconds, async (i) => {
      await client
        .put(keyName(`${prefix}p/`, i))
        .value(toBuffer(payload(valueBytes, i)))
        .exec();
    });

    const gets = await sequential(progress, 'gets', n, maxSeconds, async (i) => {
      const k = scrambled(i, keys);
      const response = await client.get(keyName(createPrefix, k)).exec();
      const modRevision = Number(response.kvs[0]?.mod_revision);
      if (modRevision !== revisions[k]) throw new Error(`etcd get returned revision ${modRevision}, expected ${revisions[k]}`);
    });

    const listPrefix = `${prefix}l/`;
    await loadInParallel(progress, `loading ${options.listKeys} keys to list`, options.listKeys, FIXTURE_PARALLEL, async (i) => {
      await createTxn(keyName(listPrefix, i), payload(valueBytes, i));
    });
    const ms: number[] = [];
    progress.start(`list of ${options.listKeys} keys`, options.listRepeats);
    for (let round = 0; round <= options.listRepeats; round++) {
      const before = performance.now();
      const response = await client.getAll().prefix(listPrefix).exec();
      const elapsed = performance.now() - before;
      if (response.kvs.length !== options.listKeys) {
        throw new Error(`etcd range returned ${response.kvs.length} keys, expected ${options.listKeys}`);
      }
      if (round > 0) {
        ms.push(elapsed);
        progress.tick();
      }
    }
    const list = { keys: options.listKeys, ms, medianMs: median(ms), minMs: Math.min(...ms) };
    progress.finish(`median ${list.medianMs.toFixed(1)} ms, min ${list.minMs.toFixed(1)} ms`);

    const watchPrefix = `${prefix}w/`;
    const clock = new DeliveryClock();
    // create() resolves once etcd has confirmed the watch: no warm-up needed to know it is live.
    const watcher = await client.watch().prefix(watchPrefix).create();
    let lastRevision = 0;
    let orderError: Error | undefined;
    watcher.on('data', (response) => {
      const at = performance.now();
      for (const event of response.events) {
        const revision = Number(event.kv.mod_revision);
        if (revision <= lastRevision) orderError ??= new Error(`etcd watch delivered revision ${revision} after ${lastRevision}`);
        lastRevision = revision;
        clock.arrived(revision, at);
      }
    });
    watcher.on('error', (error) => clock.fail(error));
    try {
      // Same warm-up as lk's watch phase, so both sides start equally warm.
      for (let i = 0; i < 20; i++)
        await clock.arrivalOf(await createTxn(keyName(`${watchPrefix}warm/`, i), payload(valueBytes, i)), 10_000);
      const result = await watchDelivery(progress, 'watch delivery', options.watchN, maxSeconds, clock, (i) =>
        createTxn(keyName(watchPrefix, i), payload(valueBytes, i)),
      );
      if (orderError !== undefined) throw orderError;
      const watch = {
        writes: result.ops,
        latency: result.latency,
        fromCallLatency: result.fromCall,
        beforeAck: result.beforeAck,
        capped: result.capped,
      };
      return { creates, updates, puts, gets, list, watch };
    } finally {
      await watcher.cancel();
    }
  } finally {
    client.close();
  }
}

/** Sequential INSERTs into a plain PostgreSQL table, with `pg` directly. */
export async function benchPostgresInsert(url: string, options: SequentialOptions, progress: Progress): Promise<Figures> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    // COLLATE "C" as lk's table has, so the unique index compares the same way.
    await client.query(
      'CREATE TABLE bench_raw_insert (id BIGSERIAL PRIMARY KEY, name TEXT COLLATE "C" NOT NULL UNIQUE, value BYTEA NOT NULL)',
    );
    const insert = async (name: string, value: Uint8Array): Promise<void> => {
      // RETURNING id, as lk's insert returns the new revision.
      const result = await client.query('INSERT INTO bench_raw_insert (name, value) VALUES ($1, $2) RETURNING id', [name, value]);
      if (result.rowCount !== 1) throw new Error('the INSERT inserted nothing');
    };
    return { creates: await rawInserts(insert, options, progress) };
  } finally {
    await client.query('DROP TABLE IF EXISTS bench_raw_insert').catch(() => undefined);
    await client.end();
  }
}

/** Sequential INSERTs into a plain MySQL table, with `mysql2` directly. */
export async function benchMysqlInsert(url: string, options: SequentialOptions, progress: Progress): Promise<Figures> {
  const connection = await mysql.createConnection(mysqlConnectionOptions(url));
  try {
    await connection.query(
      `CREATE TABLE bench_raw_insert (
        id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
        name VARBINARY(1024) NOT NULL,
        value MEDIUMBLOB NOT NULL,
        UNIQUE KEY bench_raw_insert_name (name)
      ) ENGINE=InnoDB`,
    );
    const insert = async (name: string, value: Uint8Array): Promise<void> => {
      // query() (client-side placeholders, text protocol), as lk's MySQL driver sends its statements.
      const [result] = await connection.query<mysql.ResultSetHeader>('INSERT INTO bench_raw_insert (name, value) VALUES (?, ?)', [
        name,
        Buffer.from(value.buffer, value.byteOffset, value.byteLength),
      ]);
      if (result.affectedRows !== 1) throw new Error('the INSERT inserted nothing');
    };
    return { creates: await rawInserts(insert, options, progress) };
  } finally {
    await connection.query('DROP TABLE IF EXISTS bench_raw_insert').catch(() => undefined);
    await connection.end();
  }
}

async function rawInserts(
  insert: (name: string, value: Uint8Array) => Promise<void>,
  options: SequentialOptions,
  progress: Progress,
): Promise<PhaseResult> {
  await warmUp(progress, options.warmUpSeconds, (i) => insert(keyName('/warm/', i), payload(options.valueBytes, i)));
  return sequential(progress, 'INSERTs', options.n, options.maxSeconds, (i) => insert(keyName('/c/', i), payload(options.valueBytes, i)));
}
