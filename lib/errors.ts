/**
 * The one error model of both processes. A PlatformError says whether trying the same
 * thing again can help (`retryable`) and keeps what caused it (`cause`, walkable):
 * - RetryableError: transient (the node moved mid-read, a timeout); loops back off and retry.
 * - NonRetryableError: retrying cannot help; loops stop and the process reports it.
 * - OperatorError: a NonRetryableError the operator fixes (configuration, a port in use, an
 *   unreachable or mismatched database): processes print its message as one line, no stack.
 * The backend's HttpError is a PlatformError too (retryable for 429 and 503).
 */
export class PlatformError extends Error {
  readonly retryable: boolean;

  constructor(message: string, options: ErrorOptions & { retryable: boolean }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.retryable = options.retryable;
  }
}

export class RetryableError extends PlatformError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, { ...options, retryable: true });
  }
}

export class NonRetryableError extends PlatformError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, { ...options, retryable: false });
  }
}

export class OperatorError extends NonRetryableError {}
