/**
 * /healthz (liveness: the process answers) and /readyz (what this gateway runs is up: devices, InfluxDB, broker,
 * models). Both answer anyone — probes and load balancers carry no token — with status and counts only; a valid
 * bearer token adds the detail (device ids, last errors, model id), credentials masked.
 */
import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from '../app.ts';
import { ErrorReply, HealthReply, ReadyReply } from '../schemas.ts';

/** The outputs' stores (a full disk shows here while the process stays alive); states and counts only, no paths. */
function storeHealth(deps: ApiDeps): Pick<HealthReply, 'components'> {
  const out: NonNullable<HealthReply['components']> = [];
  const u = deps.uplink?.status().storage;
  if (u) out.push({ name: 'outbox', state: u.state, memory: u.memory.held, pendingDeletes: u.pendingDeletes });
  const t = deps.tsdb?.metrics().storage;
  if (t) out.push({ name: 'tsdb_queue', state: t.state, memory: t.memory.points, pendingDeletes: t.pendingDeletes });
  return out.length ? { components: out } : {};
}

export function healthRoutes(app: FastifyInstance, deps: ApiDeps, startedAt: number, redact: (text: string) => string): void {
  app.get<{ Reply: HealthReply }>(
    '/healthz',
    { schema: { tags: ['health'], summary: 'Liveness: status, uptime, device counts (detail with a token)', response: { 200: HealthReply, '4xx': ErrorReply, '5xx': ErrorReply } } },
    async (req) => {
      const statuses = deps.registry.statuses();
      return {
        status: deps.isStopping?.() ? 'stopping' : 'ok',
        uptimeS: Math.round((Date.now() - startedAt) / 100) / 10,
        devices: { total: statuses.length, connected: statuses.filter((s) => s.connected).length },
        ...storeHealth(deps),
        ...(req.apiAuthorized ? {
          detail: {
            devices: statuses.map((s) => ({
              id: s.id, protocol: s.protocol, connected: s.connected, state: s.state,
              samples: s.samples, errors: s.errors, ...(s.lastError === undefined ? {} : { lastError: redact(s.lastError) }),
            })),
          },
        } : {}),
      };
    },
  );

  app.get<{ Reply: ReadyReply }>(
    '/readyz',
    { schema: { tags: ['health'], summary: 'Readiness: devices, InfluxDB, broker, models (detail with a token)', response: { 200: ReadyReply, 503: ReadyReply, '4xx': ErrorReply } } },
    async (req, reply) => {
      const checks: ReadyReply['checks'] = [];
      // The detail strings are built only for a caller with a token, and masked all the same.
      const detail = (text: () => string) => (req.apiAuthorized ? { detail: redact(text()) } : {});
      const statuses = deps.registry.statuses();
      const down = statuses.filter((s) => !s.connected).map((s) => s.id);
      checks.push({
        name: 'devices', ok: down.length === 0, total: statuses.length, connected: statuses.length - down.length,
        ...detail(() => (down.length ? `not connected: ${down.join(', ')}` : `${statuses.length} connected`)),
      });
      if (deps.tsdb) {
        const m = deps.tsdb.metrics();
        checks.push({ name: 'influxdb', ok: m.connected, queued: m.pointsQueued, ...detail(() => (m.connected ? `${m.pointsQueued} points queued` : (m.lastError ?? 'not connected'))) });
      }
      if (deps.uplink) {
        const s = deps.uplink.status();
        checks.push({ name: 'broker', ok: s.connected, queued: s.queued, ...detail(() => (s.connected ? `${s.queued} messages queued` : (s.lastError ?? 'not connected'))) });
      }
      if (deps.models) {
        const cur = deps.models.active.current;
        checks.push({ name: 'models', ok: cur !== undefined, ...detail(() => (cur ? `active ${cur.id}` : 'no active model')) });
      }
      if (deps.isStopping?.()) checks.push({ name: 'gateway', ok: false, ...detail(() => 'stopping') });
      const ready = checks.every((c) => c.ok);
      return reply.code(ready ? 200 : 503).send({ ready, checks });
    },
  );
}
