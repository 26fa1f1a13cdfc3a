import { afterAll } from 'vitest';
import { MAX_VALUE_BYTES, openBackend } from '@lk/datastore-kine';
import { describeBackendConformance } from '@lk/datastore-kine/testing';
import { haveEtcdBinary, PrivateEtcd } from './private-etcd.js';

if (process.env.CI && !haveEtcdBinary) throw new Error('etcd is not installed under CI: .ci/run installs etcd-server');

if (haveEtcdBinary) {
  // An etcd of this suite's own: the kit compacts, which is store-wide.
  let etcd: Promise<PrivateEtcd> | undefined;
  const endpoint = async (): Promise<string> => `etcd://${(await (etcd ??= PrivateEtcd.start())).endpoint}`;
  afterAll(async () => {
    await (await etcd)?.destroy();
  });

  // Background compaction off: the kit compacts explicitly and checks the result.
  const quiet = { compactIntervalMs: 0 } as const;
  describeBackendConformance('etcd', {
    open: async () => openBackend(await endpoint(), quiet),
    // A second client on the same etcd, as another lk process would be.
    openPeer: async () => openBackend(await endpoint(), quiet),
    // etcd's default --max-request-bytes (1.5 MiB) covers the whole request, key and framing included.
    largestValueBytes: MAX_VALUE_BYTES - 4096,
  });
}
