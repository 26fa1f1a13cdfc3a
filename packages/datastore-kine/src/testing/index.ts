/**
 * `@lk/datastore-kine/testing`: the conformance kit. A driver author runs
 * {@link describeBackendConformance} in a vitest file against a real instance
 * of their database; when it passes, lk can run on that driver.
 */
export { collectEvents, describeBackendConformance, type ConformanceOptions } from './conformance.js';
