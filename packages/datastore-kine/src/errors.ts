import type { KeyValue } from './backend.js';

/** What went wrong, as a stable string a caller can switch on. */
export type DatastoreErrorCode =
  | 'KeyExists'
  | 'KeyNotFound'
  | 'RevisionMismatch'
  | 'Compacted'
  | 'FutureRevision'
  | 'TooLarge'
  | 'InvalidKey'
  | 'InvalidArgument'
  | 'LeaseNotFound'
  | 'Unavailable'
  | 'Closed';

/** Base class of every error a backend throws on purpose. */
export class DatastoreError extends Error {
  readonly code: DatastoreErrorCode;
  constructor(code: DatastoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = `${code}Error`;
  }
}

export class KeyExistsError extends DatastoreError {
  constructor(readonly key: string) {
    super('KeyExists', `key ${JSON.stringify(key)} already exists`);
  }
}

export class KeyNotFoundError extends DatastoreError {
  constructor(readonly key: string) {
    super('KeyNotFound', `key ${JSON.stringify(key)} not found`);
  }
}

/** A compare-and-swap lost: the key changed since `expectedRevision`. */
export class RevisionMismatchError extends DatastoreError {
  constructor(
    readonly key: string,
    readonly expectedRevision: number,
    /** The key's current value, so a caller can retry without another read. */
    readonly current: KeyValue,
  ) {
    super(
      'RevisionMismatch',
      `key ${JSON.stringify(key)} is at revision ${current.modRevision}, not the expected ${expectedRevision}`,
    );
  }
}

export class CompactedError extends DatastoreError {
  constructor(
    readonly requestedRevision: number,
    readonly compactRevision: number,
  ) {
    super(
      'Compacted',
      `revision ${requestedRevision} has been compacted (the store keeps history from revision ${compactRevision} on)`,
    );
  }
}

export class FutureRevisionError extends DatastoreError {
  constructor(
    readonly requestedRevision: number,
    readonly currentRevision: number,
  ) {
    super(
      'FutureRevision',
      `revision ${requestedRevision} is in the future (the store is at revision ${currentRevision})`,
    );
  }
}

export class TooLargeError extends DatastoreError {
  constructor(
    readonly what: string,
    readonly size: number,
    readonly limit: number,
  ) {
    super('TooLarge', `${what} is ${size} bytes, over the limit of ${limit} bytes`);
  }
}

export class InvalidKeyError extends DatastoreError {
  constructor(
    readonly key: string,
    reason: string,
  ) {
    super('InvalidKey', `invalid key ${JSON.stringify(key)}: ${reason}`);
  }
}

export class InvalidArgumentError extends DatastoreError {
  constructor(message: string) {
    super('InvalidArgument', message);
  }
}

export class LeaseNotFoundError extends DatastoreError {
  constructor(readonly leaseId: number) {
    super('LeaseNotFound', `lease ${leaseId} not found`);
  }
}

/** The database behind the backend cannot be reached; the call may succeed later. */
export class UnavailableError extends DatastoreError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('Unavailable', message, options);
  }
}

export class ClosedError extends DatastoreError {
  constructor() {
    super('Closed', 'the backend has been closed');
  }
}

export function isDatastoreError(error: unknown, code?: DatastoreErrorCode): error is DatastoreError {
  return error instanceof DatastoreError && (code === undefined || error.code === code);
}
