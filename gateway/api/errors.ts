/** Every API error code in one place, with its HTTP status (thrown where the problem is found). */
export const API_ERRORS = {
  TELLTALE_ERR_NOT_FOUND: 404,
  TELLTALE_ERR_DEVICE_NOT_FOUND: 404,
  TELLTALE_ERR_SHUTTING_DOWN: 503,
} as const;

export type ApiErrorCode = keyof typeof API_ERRORS;

export class ApiError extends Error {
  readonly code: ApiErrorCode;
  readonly statusCode: number;
  constructor(code: ApiErrorCode, message: string) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.statusCode = API_ERRORS[code];
  }
}
