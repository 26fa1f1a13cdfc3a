import { defineConfig } from 'vitest/config';
import { projects } from './vitest.workspace.js';

// .ci/run asks for a JSON report too, to print a plain "N passed, N failed" line at the end.
const jsonReport = process.env.LK_VITEST_JSON;

export default defineConfig({
  test: {
    projects,
    reporters: jsonReport ? ['default', 'json'] : ['default'],
    ...(jsonReport ? { outputFile: { json: jsonReport } } : {}),
  },
});
