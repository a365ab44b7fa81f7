/** The gateway's HTTP API (Fastify): buildApp(deps) builds it; the Gateway listens. */
export { buildApp, type ApiDeps } from './app.ts';
export { ApiError, API_ERRORS, type ApiErrorCode } from './errors.ts';
export { HealthReply, DeviceHealth, ErrorReply } from './schemas.ts';
