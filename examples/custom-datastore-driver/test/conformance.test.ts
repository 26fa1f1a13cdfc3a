/**
 * The proof: the same conformance kit lk's built-in drivers pass (SQLite,
 * PostgreSQL, MySQL, etcd), run against the example driver. A driver for a
 * real database would open a connection to a real server here instead.
 */
import { describeBackendConformance } from '@lk/datastore-kine/testing';
import { InMemoryBackend } from '../src/in-memory-backend.js';

describeBackendConformance('in-memory example driver', {
  open: async () => new InMemoryBackend(),
  // No `openPeer`: an in-memory store cannot be shared by two processes, so
  // the kit's cross-process tests are left out, as they are for sqlite://:memory:.
});
