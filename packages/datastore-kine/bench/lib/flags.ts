/**
 * Command-line flags of the benchmarks: `--name=value`, each also settable
 * as the environment variable LK_BENCH_NAME (upper snake case), the flag
 * winning. Raw strings are collected here and validated by each script's own
 * zod schema, since flags are outside data.
 */
import { z } from 'zod';

export interface FlagSpec {
  readonly name: string;
  readonly help: string;
}

/** `--list-keys` → `LK_BENCH_LIST_KEYS`. */
export function envName(flag: string): string {
  return `LK_BENCH_${flag.replaceAll('-', '_').toUpperCase()}`;
}

/**
 * Parses argv against the known flags and validates with `schema`. Prints
 * usage and exits on --help or on a bad flag, because a benchmark that runs
 * for minutes with a mistyped option is worse than one that refuses to start.
 */
export function parseFlags<Schema extends z.ZodType>(
  script: string,
  specs: readonly FlagSpec[],
  schema: Schema,
  argv: readonly string[] = process.argv.slice(2),
  env: NodeJS.ProcessEnv = process.env,
): z.output<Schema> {
  const known = new Map(specs.map((spec) => [spec.name, spec]));
  const raw: Record<string, string> = {};
  for (const spec of specs) {
    const value = env[envName(spec.name)];
    if (value !== undefined && value !== '') raw[spec.name] = value;
  }
  for (const arg of argv) {
    // pnpm passes a literal "--" through when the user separates script arguments with it.
    if (arg === '--') continue;
    if (arg === '--help' || arg === '-h') exitWithUsage(script, specs, 0);
    const match = /^--([a-z][a-z0-9-]*)=(.*)$/.exec(arg);
    if (match === null || !known.has(match[1]!)) {
      console.error(`${script}: unknown argument ${JSON.stringify(arg)}`);
      exitWithUsage(script, specs, 2);
    }
    raw[match[1]!] = match[2]!;
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) console.error(`${script}: --${issue.path.join('.')}: ${issue.message}`);
    exitWithUsage(script, specs, 2);
  }
  return parsed.data;
}

function exitWithUsage(script: string, specs: readonly FlagSpec[], code: number): never {
  const lines = specs.map((spec) => `  --${spec.name}=…  (env ${envName(spec.name)})\n      ${spec.help}`);
  console.error(`usage: ${script} [flags]\n${lines.join('\n')}`);
  process.exit(code);
}

/** A positive whole number given as text. */
export const positiveInt = z
  .string()
  .regex(/^\d+$/, 'must be a whole number')
  .transform(Number)
  .refine((value) => value > 0, 'must be greater than 0');

/** A positive number of seconds given as text (fractions allowed, for quick trial runs). */
export const positiveSeconds = z
  .string()
  .regex(/^\d+(\.\d+)?$/, 'must be a number of seconds')
  .transform(Number)
  .refine((value) => value > 0, 'must be greater than 0');

/** A comma-separated subset of `names`; `none` (where allowed) for the empty set. */
export function nameList<const Name extends string>(names: readonly Name[], allowNone: boolean): z.ZodType<Name[], string> {
  return z.string().transform((text, context) => {
    if (allowNone && text.trim() === 'none') return [];
    const chosen: Name[] = [];
    for (const part of text
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== '')) {
      const name = names.find((candidate) => candidate === part);
      if (name === undefined) {
        context.addIssue({ code: 'custom', message: `unknown name "${part}"; known: ${names.join(', ')}${allowNone ? ', none' : ''}` });
        return z.NEVER;
      }
      if (!chosen.includes(name)) chosen.push(name);
    }
    if (chosen.length === 0 && !allowNone) {
      context.addIssue({ code: 'custom', message: `name at least one of ${names.join(', ')}` });
      return z.NEVER;
    }
    return chosen;
  });
}
