/** Every API error code in one place, with its HTTP status (thrown where the problem is found). */
export const API_ERRORS = {
  TELLTALE_ERR_NOT_FOUND: 404,
  TELLTALE_ERR_DEVICE_NOT_FOUND: 404,
  TELLTALE_ERR_SHUTTING_DOWN: 503,
  TELLTALE_ERR_UNAUTHORIZED: 401,
  TELLTALE_ERR_BAD_REQUEST: 400,
  TELLTALE_ERR_ASSET_NOT_FOUND: 404,
  TELLTALE_ERR_MODEL_NOT_FOUND: 404,
  /** The bundle failed verification (unsigned, bad signature, hash mismatch, inputs, version clash). */
  TELLTALE_ERR_MODEL_REFUSED: 422,
  TELLTALE_ERR_NO_PREVIOUS_MODEL: 409,
  /** The gateway runs without a model store (no public key configured or no lifecycle given). */
  TELLTALE_ERR_MODELS_DISABLED: 503,
  TELLTALE_ERR_INTERNAL: 500,
} as const;

export type ApiErrorCode = keyof typeof API_ERRORS;

export class ApiError extends Error {
  readonly code: ApiErrorCode;
  readonly statusCode: number;
  /** Machine-readable detail, e.g. the refusal reason of a model bundle. */
  readonly reason?: string;
  constructor(code: ApiErrorCode, message: string, reason?: string) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.statusCode = API_ERRORS[code];
    this.reason = reason;
  }
}
