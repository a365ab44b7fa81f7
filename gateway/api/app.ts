/** The gateway's HTTP API. buildApp() builds it; only the Gateway listens. Tests use app.inject(). */
import Fastify, { type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { ModelLifecycle } from '../models/lifecycle/store.ts';
import type { TsdbMetrics } from '../outputs/influx/writer.ts';
import type { DeviceRegistry } from '../runtime/registry.ts';
import type { UplinkStatus } from '../uplink/cloud-uplink.ts';
import { installAuth, loadApiTokens } from './auth.ts';
import { ApiError, clientErrorHandler, expectationFailed } from './errors.ts';
import type { LatestState } from './latest-state.ts';
import { GatewayMetrics } from './metrics.ts';
import { healthRoutes } from './routes/health.ts';
import { modelRoutes } from './routes/models.ts';
import { statusRoutes } from './routes/status.ts';
import { packageVersion } from '../core/package-root.ts';
import { makeRedactor, secretValues } from '../config/redact.ts';

export interface ApiDeps {
  registry: DeviceRegistry;
  /** ms since the epoch the gateway started; uptime is measured from it. */
  startedAt?: number;
  /** true while the gateway shuts down: /healthz then says "stopping". */
  isStopping?: () => boolean;
  logger?: boolean;
  /** Bearer tokens; default: loadApiTokens(process.env). None configured: every protected route answers 401. */
  tokens?: readonly string[];
  /** The model store behind /api/v1/models; without one those routes answer 503 TELLTALE_ERR_MODELS_DISABLED. */
  models?: ModelLifecycle;
  /** Latest per-asset state and alerts, fed by the hosts. */
  latest?: LatestState;
  /** Log lines stdout/stderr could not write (a log file on a full disk), for /metrics. */
  logWriteErrors?: () => number;
  tsdb?: { metrics(): TsdbMetrics };
  uplink?: { status(): UplinkStatus };
  /** Metrics registry; a new one over registry/tsdb/uplink by default (exposed as app.metrics). */
  metrics?: GatewayMetrics;
  /** Serve HTTPS with this PEM certificate and key. */
  https?: { cert: Buffer; key: Buffer };
  /**
   * Values never to serve (passwords, tokens); the secret TELLTALE_* variables and the API tokens are always among
   * them. Every reply is masked: these values in any encoding, URL user-info, secret query parameters.
   */
  secrets?: readonly string[];
}

/** Longest request URL an error message quotes back. */
const MAX_QUOTED_URL = 200;

declare module 'fastify' {
  interface FastifyInstance {
    metrics: GatewayMetrics;
  }
}

export function buildApp(deps: ApiDeps): FastifyInstance {
  const startedAt = deps.startedAt ?? Date.now();
  const options = { logger: deps.logger ?? false, clientErrorHandler };
  const app = (deps.https ? Fastify({ ...options, https: deps.https }) : Fastify(options)) as unknown as FastifyInstance;
  // Requests Node's HTTP layer refuses before Fastify sees them still get a coded JSON error.
  app.server.on('checkExpectation', expectationFailed);
  const metrics = deps.metrics ?? new GatewayMetrics({ registry: deps.registry, tsdb: deps.tsdb, uplink: deps.uplink, latest: deps.latest, logWriteErrors: deps.logWriteErrors });
  app.decorate('metrics', metrics);
  if (deps.models) {
    // Chained: the gateway's health sampler listens too.
    const before = deps.models.active.onLatency;
    deps.models.active.onLatency = (ms) => {
      metrics.observeInference(ms);
      before?.(ms);
    };
  }

  const tokens = deps.tokens ?? loadApiTokens();
  const redact = makeRedactor([...(deps.secrets ?? []), ...secretValues(undefined, process.env), ...tokens]);

  app.setErrorHandler((err, req, reply) => {
    if (err instanceof ApiError) {
      return reply.code(err.statusCode).send({ statusCode: err.statusCode, code: err.code, error: err.name, message: err.message, ...(err.reason ? { reason: err.reason } : {}) });
    }
    const e = err as { statusCode?: number; code?: string; name?: string; message?: string; validation?: unknown };
    if (e.validation) return reply.code(400).send({ statusCode: 400, code: 'TELLTALE_ERR_BAD_REQUEST', error: 'Bad Request', message: e.message ?? 'invalid request' });
    const status = typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode <= 599 ? e.statusCode : 500;
    if (status >= 500) {
      // A bug or a failing dependency: its text (paths, addresses, a stack) stays in the log, the caller gets a code.
      req.log.error({ err }, 'request failed');
      if (!deps.logger) process.stderr.write(`telltale api: ${req.method} ${req.url.slice(0, MAX_QUOTED_URL)}: ${(err as Error).stack ?? String(err)}\n`);
      return reply.code(status).send({ statusCode: status, code: 'TELLTALE_ERR_INTERNAL', error: 'Internal Server Error', message: 'internal error; the gateway log has the detail' });
    }
    return reply.code(status).send({ statusCode: status, code: e.code ?? 'TELLTALE_ERR_BAD_REQUEST', error: e.name ?? 'Error', message: e.message ?? String(err) });
  });
  app.setNotFoundHandler((req) => {
    const url = req.url.length > MAX_QUOTED_URL ? `${req.url.slice(0, MAX_QUOTED_URL)}…` : req.url;
    throw new ApiError('TELLTALE_ERR_NOT_FOUND', `no route ${req.method} ${url}`);
  });
  app.addHook('onResponse', async (req, reply) => {
    if (reply.statusCode >= 400) metrics.requestError(req.method, req.routeOptions.url ?? 'unknown', reply.statusCode);
  });
  // Last line of defence: no reply carries a secret or URL credentials, whichever route or error produced it.
  app.addHook('onSend', async (_req, _reply, payload) => (typeof payload === 'string' ? redact(payload) : payload));
  installAuth(app, tokens);

  // Plugins load in order: swagger's onRoute hook is in place before the routes plugin adds the routes.
  app.register(swagger, {
    openapi: {
      info: { title: 'Telltale gateway API', version: packageVersion },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });
  app.register(swaggerUi, { routePrefix: '/docs' });
  app.register(async (routes) => {
    healthRoutes(routes, deps, startedAt, redact);
    statusRoutes(routes, deps, metrics, redact);
    modelRoutes(routes, deps);
  });
  return app;
}
