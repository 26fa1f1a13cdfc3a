/**
 * A lease that has run out is gone at once, as in etcd, even before the
 * background expirer has swept it: no keep-alive revives it and no key can
 * be attached to it. (The conformance kit cannot see this window because
 * its stores sweep often.)
 */
import { describe, expect, it } from 'vitest';
import { LeaseNotFoundError, openBackend } from '@lk/datastore-kine';

describe('lease expiry on the SQL engine', () => {
  it('treats an expired lease as gone before the sweep', async () => {
    const backend = await openBackend('sqlite://:memory:', { leaseCheckIntervalMs: 60_000, compactIntervalMs: 0 });
    try {
      const lease = await backend.grantLease(1);
      const created = await backend.create('/k', Buffer.from('v'));
      await new Promise((resolve) => setTimeout(resolve, 1300));
      expect((await backend.leaseTimeToLive(lease.id)).ttl).toBe(-1);
      await expect(backend.keepAliveLease(lease.id)).rejects.toBeInstanceOf(LeaseNotFoundError);
      await expect(backend.create('/attached', Buffer.from('v'), { lease: lease.id })).rejects.toBeInstanceOf(LeaseNotFoundError);
      await expect(backend.update('/k', Buffer.from('w'), created.revision, { lease: lease.id })).rejects.toBeInstanceOf(LeaseNotFoundError);
      await expect(backend.revokeLease(lease.id)).rejects.toBeInstanceOf(LeaseNotFoundError);
      expect((await backend.get('/attached')).kv).toBeUndefined();
    } finally {
      await backend.close();
    }
  });
});
