/**
 * An error the operator fixes (configuration, a port in use, an unreachable database or
 * chain): processes print its message as one line and exit, with no stack trace.
 */
export class OperatorError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}
