/** /metrics, /api/v1/devices, /api/v1/assets/:id and /api/v1/alerts: read-only views of what the runtime holds. */
import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from '../app.ts';
import { ApiError } from '../errors.ts';
import type { GatewayMetrics } from '../metrics.ts';
import { AlertsQuery, AlertsReply, AssetReply, DevicesReply, ErrorReply, IdParams } from '../schemas.ts';

const errors = { '4xx': ErrorReply, '5xx': ErrorReply };

export function statusRoutes(app: FastifyInstance, deps: ApiDeps, metrics: GatewayMetrics, redact: (text: string) => string = (t) => t): void {
  app.get('/metrics', {
    schema: { tags: ['status'], summary: 'Prometheus metrics (text exposition format)', produces: ['text/plain'], response: { 200: { type: 'string' }, ...errors } },
  }, async (_req, reply) => reply.type(metrics.contentType).send(await metrics.text()));

  app.get<{ Reply: DevicesReply }>('/api/v1/devices', { schema: { tags: ['status'], summary: 'Every acquisition device and its counters', response: { 200: DevicesReply, ...errors } } }, async () => ({
    devices: deps.registry.statuses().map((s) => ({
      id: s.id, protocol: s.protocol, state: s.state, connected: s.connected, samples: s.samples, errors: s.errors,
      reconnects: s.reconnects, requests: s.requests,
      ...(s.lastSampleTs === undefined ? {} : { lastSampleTs: s.lastSampleTs }), ...(s.lastError === undefined ? {} : { lastError: redact(s.lastError) }),
    })),
  }));

  app.get<{ Params: IdParams; Reply: AssetReply }>('/api/v1/assets/:id', {
    schema: { tags: ['status'], summary: 'Latest features, score, threshold and state of an asset', params: IdParams, response: { 200: AssetReply, ...errors } },
  }, async (req) => {
    const snap = deps.latest?.asset(req.params.id);
    if (!snap) throw new ApiError('TELLTALE_ERR_ASSET_NOT_FOUND', `asset "${req.params.id}" has reported nothing yet (or does not exist)`);
    const openAlerts = deps.latest!.alerts().filter((a) => a.open && a.asset === snap.asset).length;
    return { ...snap, openAlerts };
  });

  app.get<{ Querystring: AlertsQuery; Reply: AlertsReply }>('/api/v1/alerts', {
    schema: { tags: ['status'], summary: 'Open and recent alerts, newest change first', querystring: AlertsQuery, response: { 200: AlertsReply, ...errors } },
  }, async (req) => {
    const q = req.query;
    const state = q.state ?? 'all';
    const alerts = (deps.latest?.alerts() ?? []).filter((a) =>
      (state === 'all' || (state === 'open') === a.open)
      && (q.asset === undefined || a.asset === q.asset)
      && (q.severity === undefined || a.severity === q.severity)
      && (q.since === undefined || a.updatedTs >= q.since));
    return { alerts: alerts.slice(0, q.limit ?? 100) };
  });
}
