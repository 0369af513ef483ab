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
  /** The image needs more work than one lookup may cause (index entries, nesting, child fetches): left unresolved. */
  | 'LIMIT_EXCEEDED'
  /** A setting that cannot work (a bad value, a file that cannot be read): the caller names where it came from. */
  | 'CONFIG';

export class ArchcheckError extends Error {
  readonly code: ErrorCode;
  /** Registry host the failure came from, when there is one. */
  readonly registry: string | undefined;
  /**
   * For CONFIG errors: the setting (`registryMirrors`, `registryCAs`, …) and the value that is wrong. Core never names
   * a flag: the webhook and the plugin each say where the value came from (`describeSettingError`).
   */
  readonly setting: string | undefined;
  readonly value: string | undefined;
  /**
   * The failure came from authenticating (a challenge that could not be used, a realm refused or unreachable, a
   * token server's answer): it is never cached beyond the lookup it happened in, so a host recovers on its next request.
   */
  readonly fromAuthentication: boolean;

  constructor(
    code: ErrorCode,
    message: string,
    options: { registry?: string; cause?: unknown; setting?: string; value?: string; fromAuthentication?: boolean } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ArchcheckError';
    this.code = code;
    this.registry = options.registry;
    this.setting = options.setting;
    this.value = options.value;
    this.fromAuthentication = options.fromAuthentication ?? false;
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

/** A setting that cannot work: `setting` names it, `value` (when given) is what was wrong with it. */
export function settingError(setting: string, message: string, value?: string): ArchcheckError {
  return new ArchcheckError('CONFIG', message, { setting, ...(value !== undefined && { value }) });
}

/**
 * One line for a setting error, with where the value came from as the caller names it (`--registry-mirror`,
 * `registryMirrors in values.yaml`): `--registry-mirror "docker.io": use SOURCE=MIRROR[/PATH-PREFIX], …`.
 */
export function describeSettingError(e: unknown, whereOf: (setting: string) => string | undefined): string {
  const message = e instanceof Error ? e.message : String(e);
  if (!(e instanceof ArchcheckError) || e.setting === undefined) return message;
  const where = whereOf(e.setting) ?? e.setting;
  return `${where} ${e.value !== undefined ? `"${e.value}": ` : ''}${message}`;
}
