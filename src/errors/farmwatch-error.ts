/**
 * One error base class for the whole service, with a closed list of codes. `retryable` tells the
 * caller whether waiting and trying again can help (a Redis that restarts) or not (a bad config
 * value); `httpStatus` is used by the review API so that HTTP errors live in the same registry.
 */
export const ERROR_CODES = {
  CONFIG_INVALID: { retryable: false, httpStatus: 500 },
  REDIS_UNAVAILABLE: { retryable: true, httpStatus: 503 },
  /** A one-shot command found no Redis at start: the user's configuration or environment to fix. */
  REDIS_UNREACHABLE: { retryable: false, httpStatus: 503 },
  KAFKA_UNAVAILABLE: { retryable: true, httpStatus: 503 },
  /** A partition's log ends before the offset Redis says was applied: the topic was recreated or truncated. */
  PARTITION_LOG_RESET: { retryable: true, httpStatus: 503 },
  SHUTTING_DOWN: { retryable: false, httpStatus: 503 },
  BAD_REQUEST: { retryable: false, httpStatus: 400 },
  UNAUTHENTICATED: { retryable: false, httpStatus: 401 },
  FORBIDDEN: { retryable: false, httpStatus: 403 },
  NOT_FOUND: { retryable: false, httpStatus: 404 },
  METHOD_NOT_ALLOWED: { retryable: false, httpStatus: 405 },
  CONFLICT: { retryable: false, httpStatus: 409 },
  PAYLOAD_TOO_LARGE: { retryable: false, httpStatus: 413 },
  UNSUPPORTED_MEDIA_TYPE: { retryable: false, httpStatus: 415 },
  REVIEW_API_FAILED: { retryable: false, httpStatus: 502 },
  USAGE: { retryable: false, httpStatus: 400 },
  SCENARIO_INVALID: { retryable: false, httpStatus: 400 },
  INTERNAL: { retryable: false, httpStatus: 500 },
} as const satisfies Record<string, { retryable: boolean; httpStatus: number }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export class FarmwatchError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly httpStatus: number;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FarmwatchError';
    this.code = code;
    this.retryable = ERROR_CODES[code].retryable;
    this.httpStatus = ERROR_CODES[code].httpStatus;
  }
}

export function isRetryable(err: unknown): boolean {
  return err instanceof FarmwatchError && err.retryable;
}

/**
 * Errors the user caused and can fix (a flag, a config value, a scenario file): the CLI prints their
 * one-line message and exits 2. Anything else is farmwatch's own failure.
 */
const USER_ERROR_CODES: ReadonlySet<ErrorCode> = new Set([
  'CONFIG_INVALID',
  'USAGE',
  'SCENARIO_INVALID',
  'REDIS_UNREACHABLE',
]);

export function isUserError(err: unknown): err is FarmwatchError {
  return err instanceof FarmwatchError && USER_ERROR_CODES.has(err.code);
}
