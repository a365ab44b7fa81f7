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

/**
 * What the server writes on the socket for a request Node's HTTP parser refused (malformed request line or headers,
 * headers over the size limit, a timeout): the same coded JSON error body as every other error, then it closes.
 */
export function clientErrorHandler(err: NodeJS.ErrnoException, socket: import('node:stream').Duplex): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, error, message] = err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? [408, 'Request Timeout', 'the request did not arrive in time']
    : err.code === 'HPE_HEADER_OVERFLOW' ? [431, 'Request Header Fields Too Large', 'the request headers exceed the size limit']
      : [400, 'Bad Request', 'malformed HTTP request'];
  const body = JSON.stringify({ statusCode: status, code: 'TELLTALE_ERR_BAD_REQUEST', error, message });
  if (socket.writable) socket.write(`HTTP/1.1 ${status} ${error}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  socket.destroy();
}

/** Node answers an `Expect:` other than 100-continue with a bare 417; this gives it the coded JSON body. */
export function expectationFailed(_req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse): void {
  const body = JSON.stringify({ statusCode: 417, code: 'TELLTALE_ERR_BAD_REQUEST', error: 'Expectation Failed', message: 'only "Expect: 100-continue" is supported' });
  res.writeHead(417, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
