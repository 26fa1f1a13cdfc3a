/**
 * CEL in admission (ValidatingAdmissionPolicy, webhook matchConditions): one
 * environment with Kubernetes' libraries and the admission variables,
 * expressions compiled once, JSON turned into CEL values.
 */
import { celIssue, kubernetesCelEnvironment } from '../validation/schema-cel.js';

type Json = Record<string, unknown>;

const VARIABLE_NAMES = ['object', 'oldObject', 'request', 'params', 'namespaceObject', 'variables', 'authorizer'];
const base = kubernetesCelEnvironment();
const environment = VARIABLE_NAMES.reduce((env, name) => env.registerVariable(name, 'dyn'), base.clone());

export type Program = (context: Json) => unknown;
const programs = new Map<string, Program | { error: string }>();

/** A bounded cache: policies are few, but expressions written by hand must not grow memory forever. */
const MAX_PROGRAMS = 10_000;

/** Compiles an expression once (parse errors are remembered as errors). */
export function compileExpression(source: string): Program | { error: string } {
  let compiled = programs.get(source);
  if (compiled === undefined) {
    try {
      const parsed = environment.parse(source);
      compiled = (context: Json) => parsed(context) as unknown;
    } catch (error) {
      compiled = { error: `compilation failed: ${celIssue(source, error)}` };
    }
    if (programs.size >= MAX_PROGRAMS) programs.clear();
    programs.set(source, compiled);
  }
  return compiled;
}

/** JSON as CEL sees it: integers are CEL ints. */
export function toCel(value: unknown): unknown {
  if (typeof value === 'number') return Number.isInteger(value) ? BigInt(value) : value;
  if (Array.isArray(value)) return value.map(toCel);
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([key, entry]) => [key, toCel(entry)]));
  return value;
}

/** An expression that does not compile or fails when run: the caller's failurePolicy decides. */
export class EvaluationError extends Error {}

/** Evaluates an expression; compile and run-time failures are EvaluationErrors in upstream's words. */
export function evaluate(source: string, context: Json): unknown {
  const program = compileExpression(source);
  if (typeof program !== 'function') throw new EvaluationError(program.error);
  try {
    return program(context);
  } catch (error) {
    throw new EvaluationError(`expression '${source}' resulted in error: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
  }
}

