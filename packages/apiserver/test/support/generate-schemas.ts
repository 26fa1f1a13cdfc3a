/**
 * Vitest global setup: the built-in schemas are generated at build time; a
 * test run straight from the sources generates them first when they are
 * missing or older than their inputs.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export default function setup(): void {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const output = `${root}src/schema/generated/builtin-definitions.json`;
  const inputs = ['scripts/generate-schemas.ts', 'src/schema/tables/field-facts.json', 'src/schema/tables/type-facts.json', 'src/schema/tables/type-packages.json', 'src/resources/catalog.ts'];
  const built = existsSync(output) ? statSync(output).mtimeMs : 0;
  if (inputs.every((input) => statSync(`${root}${input}`).mtimeMs < built)) return;
  const result = spawnSync(process.execPath, ['--conditions=@lk/source', '--import', 'tsx', 'scripts/generate-schemas.ts'], { cwd: root, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`generating the built-in schemas failed:\n${result.stderr}`);
}
