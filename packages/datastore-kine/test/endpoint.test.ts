import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, openBackend, redact } from '@lk/datastore-kine';
import { mysqlDatabaseUrl, postgresDatabaseUrl, uniqueName } from './services.js';

describe('openBackend endpoints', () => {
  it('opens the in-memory store from either spelling', async () => {
    for (const endpoint of ['sqlite://:memory:', 'memory://']) {
      const backend = await openBackend(endpoint);
      await backend.create('/k', new Uint8Array([1]));
      expect((await backend.get('/k')).kv?.value).toEqual(new Uint8Array([1]));
      await backend.close();
    }
  });

  it('hands back a Backend object as it is', async () => {
    const backend = await openBackend('sqlite://:memory:');
    expect(await openBackend(backend)).toBe(backend);
    await backend.close();
  });

  it.each([
    ['no scheme', '/var/lib/state.db', /has no scheme; use one of: sqlite:\/\/:memory:/],
    ['an unknown scheme', 'redis://localhost:6379', /scheme "redis" is not supported/],
    ['an unknown parameter', 'sqlite://:memory:?_journal=WAL', /unknown parameter "_journal"; known: pollInterval/],
    ['a bad duration', 'sqlite://:memory:?pollInterval=soon', /parameter "pollInterval" must be a duration such as 250ms/],
    ['a bad count', 'sqlite://:memory:?compactRetain=-5', /parameter "compactRetain" must be a whole number/],
    ['no etcd host', 'etcd://', /names no etcd host/],
  ])('refuses %s with an error that says what to write', async (_, endpoint, message) => {
    const error = await openBackend(endpoint).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as Error).message).toMatch(message);
  });

  it('hides passwords in what it reports', () => {
    expect(redact('postgres://lk:s3cret@db:5432/k8s')).toBe('postgres://lk:***@db:5432/k8s');
    expect(redact('mysql://root@db/k8s')).toBe('mysql://root@db/k8s');
  });

  const postgres = postgresDatabaseUrl(uniqueName('endpoint'));
  it.skipIf(postgres === undefined)("passes Postgres's own parameters through and takes lk's", async () => {
    const backend = await openBackend(`${postgres}?sslmode=disable&pollInterval=100ms&compactInterval=0`);
    await backend.create('/pg', new Uint8Array([2]));
    expect((await backend.list({ prefix: '/' })).kvs).toHaveLength(1);
    await backend.close();
  });

  const mysql = mysqlDatabaseUrl(uniqueName('endpoint'));
  it.skipIf(mysql === undefined)("accepts k3s's tcp() form of a MySQL endpoint", async () => {
    const url = new URL(mysql!);
    const k3sStyle = `mysql://${url.username}@tcp(${url.host})${url.pathname}`;
    const backend = await openBackend(k3sStyle);
    await backend.create('/mysql', new Uint8Array([3]));
    expect((await backend.get('/mysql')).kv).toBeDefined();
    await backend.close();
  });
});
