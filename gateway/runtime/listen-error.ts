/** A port already in use or an address that cannot be bound: the operator's to fix, so no stack trace. */
export class ListenError extends Error {
  readonly code = 'TELLTALE_ERR_LISTEN';
  constructor(message: string) {
    super(message);
    this.name = 'ListenError';
  }
}
