/**
 * The test projects: one per package (and example) that has a vitest config.
 * vitest.config.ts hands this list to Vitest; `vitest --project NAME` runs one.
 */
export const projects = ['packages/*/vitest.config.ts', 'examples/*/vitest.config.ts'];
