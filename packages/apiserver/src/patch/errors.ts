/**
 * The Status objects upstream's patch handler (k8s.io/apiserver
 * pkg/endpoints/handlers/patch.go) sends when a patch cannot be applied.
 * Several are not the usual builders' shapes — a 422 whose message ignores
 * the cause, a 500 with no reason — so they are built here, field for field.
 */
import { ApiError, badRequest, type Status } from '../errors/status.js';
import { goQuote } from './go-format.js';

/** Keeps the real cause for logs and tests; it never reaches the client, as upstream only logs it too. */
function withCause(error: ApiError, cause: string): ApiError {
  error.cause = new Error(cause);
  return error;
}

/**
 * 422 from `NewGenericServerResponse(422, …)`: upstream discards the
 * underlying message (a failed `test`, a missing path, a list of lists) and
 * sends a fixed one, with an empty details object.
 */
export function patchNotApplicable(cause: string): ApiError {
  const status: Status = {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: 'the server rejected our request due to an error in our request',
    reason: 'Invalid',
    details: {},
    code: 422,
  };
  return withCause(new ApiError(status), cause);
}

/**
 * 500 with no reason: what upstream sends for a strategic merge patch error
 * it does not classify (a missing merge key, an unknown field, an unknown
 * directive), because the plain Go error reaches ErrorToAPIStatus.
 */
export function patchInternalError(message: string): ApiError {
  return new ApiError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, code: 500 });
}

/**
 * What a client sees when applying a patch panics inside upstream's
 * libraries (they dereference nil on some malformed patches): the panic
 * filter's 500, whose text we send as a Status message.
 */
export function patchPanic(cause: string): ApiError {
  const error = patchInternalError('This request caused apiserver to panic. Look in the logs for details.');
  return withCause(error, cause);
}

export function patchBadRequest(message: string): ApiError {
  return badRequest(message);
}

/** 413 for a JSON patch with more operations than upstream allows. */
export function tooManyPatchOperations(limit: number, count: number): ApiError {
  return new ApiError({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: `Request entity too large: The allowed maximum operations in a JSON patch is ${limit}, got ${count}`,
    reason: 'RequestEntityTooLarge',
    code: 413,
  });
}

/**
 * 422 from `NewInvalid(schema.GroupKind{}, "", field.Invalid(field.NewPath("patch"), value, detail))`:
 * the patched result could not be decoded, or strict decoding found
 * duplicate or unknown fields. The empty kind and name make the message
 * start with ` "" is invalid`, and the empty details fields are omitted.
 */
export function patchFieldInvalid(value: string, detail: string): ApiError {
  const body = `Invalid value: ${goQuote(value)}: ${detail}`;
  return new ApiError({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: ` "" is invalid: patch: ${body}`,
    reason: 'Invalid',
    details: { causes: [{ reason: 'FieldValueInvalid', message: body, field: 'patch' }] },
    code: 422,
  });
}

/** The 415 a PATCH gets for a media type the resource does not accept. */
export function unsupportedPatchMediaType(accepted: readonly string[]): ApiError {
  return new ApiError({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`,
    reason: 'UnsupportedMediaType',
    code: 415,
  });
}
