#!/usr/bin/env node
// Prints the plain closing line "N passed, N failed, N skipped" from Vitest's JSON report,
// and exits non-zero when the report is missing, shows a failure, or ran no test.
import { readFileSync } from 'node:fs';

const file = process.argv[2];
let report;
try {
  report = JSON.parse(readFileSync(file, 'utf8'));
} catch (error) {
  console.log(`no test report at ${file}: ${error.message}`);
  console.log('0 passed, 1 failed');
  process.exit(1);
}
const passed = report.numPassedTests ?? 0;
// Suites include describe blocks, so they count only when no test failed: a file that could not load.
const failed = (report.numFailedTests ?? 0) || (report.numFailedTestSuites ?? 0);
const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
