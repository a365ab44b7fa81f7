/** The gateway's HTTP API (Fastify): buildApp(deps) builds it; the Gateway listens. */
export { buildApp, type ApiDeps } from './app.ts';
export { ApiError, API_ERRORS, type ApiErrorCode } from './errors.ts';
export { installAuth, loadApiTokens, tokenMatcher, PUBLIC_ROUTES } from './auth.ts';
export { GatewayMetrics, type MetricSources } from './metrics.ts';
export { LatestState, type AlertEntry, type AlertUpdate, type AssetSnapshot, type AssetState } from './latest-state.ts';
export * from './schemas.ts';
