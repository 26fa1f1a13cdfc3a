/**
 * Lease ids that fit a JS number.
 *
 * etcd lease ids are int64 and, left to the server, random 63-bit values:
 * almost never exactly representable as a JS number, which the Backend's
 * `Lease.id` is. LeaseGrant lets the client choose the id, so lk picks a
 * random one in [1, 2^53 - 1] itself and picks again on the (astronomically
 * rare) "lease already exists".
 */
import { randomBytes } from 'node:crypto';
import { UnavailableError } from '../errors.js';
import { classifyEtcdError } from './etcd-errors.js';

const ATTEMPTS = 5;

/** A uniformly random id in [1, Number.MAX_SAFE_INTEGER]. */
export function randomLeaseId(): number {
  for (;;) {
    const bytes = randomBytes(8);
    // Keep 53 bits: the top 21 bits of the high word, all of the low word.
    const high = bytes.readUInt32BE(0) & 0x1f_ffff;
    const low = bytes.readUInt32BE(4);
    const id = high * 2 ** 32 + low;
    if (id !== 0) return id;
  }
}

/**
 * Grants a lease under an id from `nextId`, trying fresh ids while etcd says
 * the id is taken. `grant` returns the TTL etcd granted (it may raise a TTL
 * below its minimum).
 */
export async function grantWithOwnId(
  grant: (id: number) => Promise<number>,
  nextId: () => number = randomLeaseId,
): Promise<{ id: number; ttl: number }> {
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const id = nextId();
    try {
      return { id, ttl: await grant(id) };
    } catch (error) {
      if (classifyEtcdError(error) !== 'lease-exists') throw error;
    }
  }
  throw new UnavailableError(`etcd refused ${ATTEMPTS} lease ids in a row as already taken`);
}
