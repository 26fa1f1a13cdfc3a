/**
 * What every project's vitest config shares: tests import the workspace
 * packages' TypeScript sources (the "@lk/source" export condition) so that a
 * test run never depends on a stale build. Only our own packages carry that
 * condition; dependencies resolve as Node resolves them.
 */
const conditions = ['@lk/source', 'module', 'node', 'development|production'];

export const sharedProjectConfig = {
  resolve: { conditions },
  ssr: { resolve: { conditions } },
};
