/**
 * Why a model bundle is refused. `reason` is stable for API clients and audit events; `message` says what is
 * wrong in the bundle's own terms (its file names and manifest fields), never a host path or host file content.
 */
export type RefusalReason =
  | 'unsigned' | 'bad-signature' | 'hash-mismatch' | 'invalid-bundle' | 'inputs-mismatch' | 'no-public-key' | 'version-exists'
  /** The manifest names a file that is not a plain file name inside the bundle (separator, `..`, absolute path). */
  | 'unsafe-path'
  /** A bundle file is a symbolic link, a FIFO, a device or a directory. */
  | 'not-a-file'
  /** A bundle file is over its size cap. */
  | 'too-large'
  /** The params file does not fit the manifest (sizes, counts, bounds). */
  | 'bad-params';

export class ModelRefusedError extends Error {
  override readonly name: string = 'ModelRefusedError';
  readonly reason: RefusalReason;
  constructor(reason: RefusalReason, message: string) {
    super(message);
    this.reason = reason;
  }
}
