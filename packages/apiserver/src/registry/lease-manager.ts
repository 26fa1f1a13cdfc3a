import type { Backend } from '@lk/datastore-kine';

/** Share a lease among writes for at most this share of its TTL… */
const REUSE_SHARE = 0.05;
/** …and at most this long, and for at most this many objects (kube-apiserver's defaults). */
const REUSE_MAX_SECONDS = 60;
const MAX_OBJECTS_PER_LEASE = 1000;

interface CurrentLease {
  readonly id: number;
  readonly expiresAt: number;
  attached: number;
}

/**
 * Hands out datastore leases for objects that expire (Events), the way
 * kube-apiserver's etcd3 lease manager does: rather than one lease per
 * write, a lease is granted with a little extra time and reused by the
 * writes that follow while it still outlives their TTL by no more than
 * that extra. Objects thus expire between TTL and TTL + 5 % (≤ 60 s).
 */
export class LeaseManager {
  private readonly current = new Map<number, CurrentLease>();
  private readonly granting = new Map<number, Promise<CurrentLease>>();

  constructor(
    private readonly backend: Backend,
    private readonly now: () => number = Date.now,
  ) {}

  async leaseFor(ttlSeconds: number): Promise<number> {
    const ttl = Math.max(1, Math.ceil(ttlSeconds));
    const reuse = Math.min(Math.floor(ttl * REUSE_SHARE), REUSE_MAX_SECONDS);
    const now = this.now();
    const lease = this.current.get(ttl);
    const outlivesTtl = lease !== undefined && now + ttl * 1000 < lease.expiresAt;
    const notTooLong = lease !== undefined && now + (ttl + reuse) * 1000 >= lease.expiresAt;
    if (lease !== undefined && outlivesTtl && notTooLong && lease.attached < MAX_OBJECTS_PER_LEASE) {
      lease.attached++;
      return lease.id;
    }
    // Concurrent writes wait for one grant instead of each taking a lease.
    let pending = this.granting.get(ttl);
    if (pending === undefined) {
      pending = this.backend.grantLease(ttl + reuse).then((granted) => ({ id: granted.id, expiresAt: now + (ttl + reuse) * 1000, attached: 0 }));
      this.granting.set(ttl, pending);
      void pending.finally(() => this.granting.delete(ttl)).catch(() => undefined);
    }
    const granted = await pending;
    this.current.set(ttl, granted);
    granted.attached++;
    return granted.id;
  }
}
