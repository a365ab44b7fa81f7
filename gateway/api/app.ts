/** The gateway's HTTP API. buildApp() builds it; only the Gateway listens. Tests use app.inject(). */
import Fastify, { type FastifyInstance } from 'fastify';
import type { DeviceRegistry } from '../runtime/registry.ts';
import { ApiError } from './errors.ts';
import { ErrorReply, HealthReply } from './schemas.ts';

export interface ApiDeps {
  registry: DeviceRegistry;
  /** ms since the epoch the gateway started; uptime is measured from it. */
  startedAt?: number;
  /** true while the gateway shuts down: /healthz then says "stopping". */
  isStopping?: () => boolean;
  logger?: boolean;
}

export function buildApp(deps: ApiDeps): FastifyInstance {
  const startedAt = deps.startedAt ?? Date.now();
  const app = Fastify({ logger: deps.logger ?? false });

  app.setErrorHandler((err, _req, reply) => {
    if (err instanceof ApiError) {
      return reply.code(err.statusCode).send({ statusCode: err.statusCode, code: err.code, error: err.name, message: err.message });
    }
    const e = err as { statusCode?: number; code?: string; name?: string; message?: string };
    const status = e.statusCode ?? 500;
    return reply.code(status).send({ statusCode: status, code: e.code ?? 'TELLTALE_ERR_INTERNAL', error: e.name ?? 'Error', message: e.message ?? String(err) });
  });
  app.setNotFoundHandler((req) => {
    throw new ApiError('TELLTALE_ERR_NOT_FOUND', `no route ${req.method} ${req.url}`);
  });

  app.get<{ Reply: HealthReply }>(
    '/healthz',
    { schema: { response: { 200: HealthReply, '4xx': ErrorReply, '5xx': ErrorReply } } },
    async () => ({
      status: deps.isStopping?.() ? 'stopping' : 'ok',
      uptimeS: Math.round((Date.now() - startedAt) / 100) / 10,
      devices: deps.registry.statuses().map((s) => ({
        id: s.id, protocol: s.protocol, connected: s.connected, state: s.state,
        samples: s.samples, errors: s.errors, ...(s.lastError === undefined ? {} : { lastError: s.lastError }),
      })),
    }),
  );
  return app;
}
