/**
 * metav1.Status and the errors that become one. Every failure of the API
 * leaves as a Status with the code, reason, message and details that
 * upstream's k8s.io/apimachinery/pkg/api/errors would produce, because
 * clients (kubectl, client-go, client-node) switch on `reason` and `code`.
 */
export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: StatusReason;
  details?: StatusDetails;
  code: number;
}

export type StatusReason =
  | 'BadRequest'
  | 'Unauthorized'
  | 'Forbidden'
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Gone'
  | 'Expired'
  | 'Invalid'
  | 'MethodNotAllowed'
  | 'NotAcceptable'
  | 'RequestEntityTooLarge'
  | 'UnsupportedMediaType'
  | 'TooManyRequests'
  | 'InternalError'
  | 'ServiceUnavailable'
  | 'Timeout'
  | 'ServerTimeout';

/** What a Status says about the resource it concerns: `pods`, or `deployments.apps`. */
export interface QualifiedResource {
  readonly group: string;
  readonly resource: string;
}

export function qualifiedName(resource: QualifiedResource): string {
  return resource.group === '' ? resource.resource : `${resource.resource}.${resource.group}`;
}

/** An error the API turns into a Status response. */
export class ApiError extends Error {
  constructor(readonly status: Status) {
    super(status.message ?? status.reason ?? `HTTP ${status.code}`);
    this.name = 'ApiError';
  }

  get code(): number {
    return this.status.code;
  }

  get reason(): StatusReason | undefined {
    return this.status.reason;
  }
}

function failure(code: number, reason: StatusReason, message: string, details?: StatusDetails): ApiError {
  const status: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
  if (details !== undefined) status.details = details;
  return new ApiError(status);
}

function resourceDetails(resource: QualifiedResource, name: string): StatusDetails {
  // Go leaves an empty name out of the JSON (omitempty).
  const details: StatusDetails = name === '' ? { kind: resource.resource } : { name, kind: resource.resource };
  if (resource.group !== '') details.group = resource.group;
  return details;
}

export function successStatus(details?: StatusDetails): Status {
  const status: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 200 };
  if (details !== undefined) status.details = details;
  return status;
}

export function notFound(resource: QualifiedResource, name: string): ApiError {
  return failure(404, 'NotFound', `${qualifiedName(resource)} "${name}" not found`, resourceDetails(resource, name));
}

export function alreadyExists(resource: QualifiedResource, name: string): ApiError {
  return failure(409, 'AlreadyExists', `${qualifiedName(resource)} "${name}" already exists`, resourceDetails(resource, name));
}

export function conflict(resource: QualifiedResource, name: string, why: string): ApiError {
  return failure(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${qualifiedName(resource)} "${name}": ${why}`,
    resourceDetails(resource, name),
  );
}

/** The optimistic-concurrency conflict: the client sent a stale resourceVersion. */
export function staleObject(resource: QualifiedResource, name: string): ApiError {
  return conflict(resource, name, 'the object has been modified; please apply your changes to the latest version and try again');
}

export type FieldErrorType =
  | 'FieldValueRequired'
  | 'FieldValueNotFound'
  | 'FieldValueInvalid'
  | 'FieldValueNotSupported'
  | 'FieldValueDuplicate'
  | 'FieldValueForbidden'
  | 'FieldValueTooLong'
  | 'FieldValueTooMany'
  | 'FieldValueTypeInvalid'
  | 'InternalError';

/** One problem with one field, as upstream's field.Error. */
export interface FieldError {
  readonly type: FieldErrorType;
  /** Dotted path with indexes and keys, e.g. `spec.containers[0].image`. */
  readonly field: string;
  readonly detail?: string;
  /** The offending value, quoted into the message where upstream does. */
  readonly value?: unknown;
  readonly hasValue?: boolean;
}

/** The words upstream's field.ErrorType.String() prints for each type. */
export const FIELD_ERROR_TEXT: Record<FieldErrorType, string> = {
  FieldValueRequired: 'Required value',
  FieldValueNotFound: 'Not found',
  FieldValueInvalid: 'Invalid value',
  FieldValueNotSupported: 'Unsupported value',
  FieldValueDuplicate: 'Duplicate value',
  FieldValueForbidden: 'Forbidden',
  FieldValueTooLong: 'Too long',
  FieldValueTooMany: 'Too many',
  FieldValueTypeInvalid: 'Invalid value',
  InternalError: 'Internal error',
};

/** Renders a value as Go's `%#v`-ish quoting upstream uses in field error messages. */
function renderValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value === null || value === undefined) return 'null';
  // Go prints a []string field value with %#v.
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return `[]string{${value.map((item) => JSON.stringify(item)).join(', ')}}`;
  return JSON.stringify(value);
}

/** The message of one field error: `spec.replicas: Invalid value: -1: must be greater than or equal to 0`. */
export function fieldErrorMessage(error: FieldError): string {
  const parts = [FIELD_ERROR_TEXT[error.type]];
  const showsValue = error.hasValue ?? (error.value !== undefined && error.type !== 'FieldValueRequired' && error.type !== 'FieldValueForbidden');
  if (showsValue) parts.push(renderValue(error.value));
  if (error.detail !== undefined && error.detail !== '') parts.push(error.detail);
  return parts.join(': ');
}

/** 422 Invalid, with one cause per field error, exactly as upstream formats it. */
export function invalid(kind: string, group: string, name: string, errors: readonly FieldError[]): ApiError {
  const rendered = errors.map((error) => (error.field === '' ? fieldErrorMessage(error) : `${error.field}: ${fieldErrorMessage(error)}`));
  const summary = rendered.length === 1 ? rendered[0]! : `[${rendered.join(', ')}]`;
  const qualifiedKind = group === '' ? kind : `${kind}.${group}`;
  const details: StatusDetails = {
    name,
    kind,
    causes: errors.map((error) => ({ reason: error.type, message: fieldErrorMessage(error), field: error.field })),
  };
  if (group !== '') details.group = group;
  return failure(422, 'Invalid', `${qualifiedKind} "${name}" is invalid: ${summary}`, details);
}

export function badRequest(message: string): ApiError {
  return failure(400, 'BadRequest', message);
}

export function unauthorized(message = 'Unauthorized'): ApiError {
  return failure(401, 'Unauthorized', message);
}

export function forbidden(resource: QualifiedResource, name: string, why: string): ApiError {
  const subject = name === '' ? qualifiedName(resource) : `${qualifiedName(resource)} "${name}"`;
  return failure(403, 'Forbidden', `${subject} is forbidden: ${why}`, resourceDetails(resource, name));
}

export function methodNotAllowed(message: string): ApiError {
  return failure(405, 'MethodNotAllowed', message);
}

export function notAcceptable(message: string): ApiError {
  return failure(406, 'NotAcceptable', message);
}

export function unsupportedMediaType(contentType: string): ApiError {
  return failure(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json (got ${JSON.stringify(contentType)})`);
}

export function requestEntityTooLarge(limitBytes: number): ApiError {
  return failure(413, 'RequestEntityTooLarge', `Request entity too large: limit is ${limitBytes}`);
}

/** 410 for a watch or list from a resourceVersion that compaction removed. */
export function expired(message: string): ApiError {
  return failure(410, 'Expired', message);
}

export function gone(message: string): ApiError {
  return failure(410, 'Gone', message);
}

export function tooManyRequests(message: string, retryAfterSeconds: number): ApiError {
  return failure(429, 'TooManyRequests', message, { retryAfterSeconds });
}

export function serviceUnavailable(message: string): ApiError {
  return failure(503, 'ServiceUnavailable', message);
}

export function timeout(message: string, retryAfterSeconds = 1): ApiError {
  return failure(504, 'Timeout', message, { retryAfterSeconds });
}

/**
 * storage.NewTooLargeResourceVersionError: a Timeout whose cause tells
 * client-go's reflector to retry rather than relist.
 */
export function tooLargeResourceVersion(message: string, retryAfterSeconds = 1): ApiError {
  return failure(504, 'Timeout', message, { retryAfterSeconds, causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }] });
}

export function internalError(error: unknown): ApiError {
  const message = error instanceof Error ? error.message : String(error);
  return failure(500, 'InternalError', `Internal error occurred: ${message}`, { causes: [{ message }] });
}

export function isApiError(error: unknown): error is ApiError {
  return error instanceof ApiError;
}
