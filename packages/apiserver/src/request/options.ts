import { z } from 'zod';
import { badRequest } from '../errors/status.js';

/**
 * Query parameters of the resource verbs, checked with zod because they come
 * straight from the client. Values that upstream rejects are 400s with its
 * wording; unknown parameters are ignored, as upstream does.
 */
const dryRun = z
  .array(z.string())
  .transform((values, context) => {
    for (const value of values) {
      if (value !== 'All') {
        context.addIssue({ code: 'custom', message: `Invalid dry run value: Unsupported value: "${value}": supported values: "All"` });
        return z.NEVER;
      }
    }
    return values.length > 0;
  });

const fieldValidation = z
  .enum(['Strict', 'Warn', 'Ignore', 'strict', 'warn', 'ignore', ''])
  .transform((value) => (value === '' ? undefined : ((value[0]!.toUpperCase() + value.slice(1).toLowerCase()) as 'Strict' | 'Warn' | 'Ignore')));

const integer = z.string().regex(/^-?\d+$/, 'must be an integer').transform(Number);
const boolean = z.enum(['true', 'false', '1', '0', 'True', 'False']).transform((value) => value === 'true' || value === '1' || value === 'True');

export const writeQuery = z.object({
  dryRun,
  fieldManager: z.string().max(128, 'fieldManager: Too long: may not be more than 128 bytes').optional(),
  fieldValidation: fieldValidation.optional(),
  force: boolean.optional(),
  pretty: z.string().optional(),
});

export const listQuery = z.object({
  labelSelector: z.string().optional(),
  fieldSelector: z.string().optional(),
  limit: integer.optional(),
  continue: z.string().optional(),
  resourceVersion: z.string().optional(),
  resourceVersionMatch: z.string().optional(),
  timeoutSeconds: integer.optional(),
  allowWatchBookmarks: boolean.optional(),
  sendInitialEvents: boolean.optional(),
  watch: boolean.optional(),
  includeObject: z.enum(['None', 'Metadata', 'Object']).optional(),
});

export const deleteQuery = z.object({
  dryRun,
  gracePeriodSeconds: integer.optional(),
  propagationPolicy: z.enum(['Orphan', 'Background', 'Foreground']).optional(),
  orphanDependents: boolean.optional(),
});

/** The DeleteOptions a client may send as the body of a DELETE. */
export const deleteOptionsBody = z
  .object({
    kind: z.literal('DeleteOptions').optional(),
    apiVersion: z.string().optional(),
    gracePeriodSeconds: z.number().int().nullable().optional(),
    propagationPolicy: z.enum(['Orphan', 'Background', 'Foreground']).nullable().optional(),
    orphanDependents: z.boolean().nullable().optional(),
    dryRun: z.array(z.string()).nullable().optional(),
    preconditions: z
      .object({ uid: z.string().nullable().optional(), resourceVersion: z.string().nullable().optional() })
      .nullable()
      .optional(),
  })
  .passthrough();

/** Reads a query into a plain record, repeated keys as arrays where the schema wants them. */
export function parseQuery<Schema extends z.ZodType>(schema: Schema, query: URLSearchParams): z.infer<Schema> {
  const record: Record<string, unknown> = { dryRun: query.getAll('dryRun') };
  for (const [key, value] of query) if (key !== 'dryRun') record[key] = value;
  const parsed = schema.safeParse(record);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const field = issue.path.join('.');
  throw badRequest(issue.code === 'custom' ? issue.message : `invalid value for ${field}: ${issue.message}`);
}
