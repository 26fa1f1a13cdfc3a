import { defineProject } from 'vitest/config';
import { sharedProjectConfig } from '../../vitest.shared.js';

export default defineProject({
  ...sharedProjectConfig,
  test: {
    name: 'example-custom-datastore-driver',
    include: ['test/**/*.test.ts'],
    // The kit's lease-expiry test waits for a 1 s lease to run out.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
