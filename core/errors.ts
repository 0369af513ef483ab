/** One code per failure kind a user can act on; shared by webhook and plugin output. */
export type ErrorCode =
  | 'NOT_FOUND'
  | 'UNAUTHORIZED'
  | 'DENIED'
  | 'NOT_AN_IMAGE'
  | 'UNSUPPORTED_SCHEMA1'
  | 'RATE_LIMITED'
  | 'TIMEOUT'
  | 'UNREACHABLE'
  | 'INVALID_REFERENCE'
  | 'BAD_RESPONSE'
  | 'FORBIDDEN_ADDRESS'
  /** A setting that cannot work (a bad value, a file that cannot be read): the caller names where it came from. */
  | 'CONFIG';

export class ArchcheckError extends Error {
  readonly code: ErrorCode;
  /** Registry host the failure came from, when there is one. */
  readonly registry: string | undefined;

  constructor(code: ErrorCode, message: string, options: { registry?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ArchcheckError';
    this.code = code;
    this.registry = options.registry;
  }

  toJSON(): { code: ErrorCode; message: string } {
    return { code: this.code, message: this.message };
  }
}

export function isArchcheckError(e: unknown): e is ArchcheckError {
  return e instanceof ArchcheckError;
}

/** Any thrown value as an ArchcheckError, so callers never print a stack trace. */
export function toArchcheckError(e: unknown, fallback: ErrorCode = 'BAD_RESPONSE'): ArchcheckError {
  if (e instanceof ArchcheckError) return e;
  const message = e instanceof Error ? e.message : String(e);
  return new ArchcheckError(fallback, message, { cause: e });
}
