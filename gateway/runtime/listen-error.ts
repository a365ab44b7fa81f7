/** A start-up problem that is the operator's to fix (a port in use, an address that cannot be bound, an unreadable certificate): one line, no stack trace. */
export class ListenError extends Error {
  readonly code = 'TELLTALE_ERR_LISTEN';
  constructor(message: string) {
    super(message);
    this.name = 'ListenError';
  }
}
