/** Response schemas of the API routes; the same TypeBox schema types the handler's reply. */
import { Type, type Static } from '@sinclair/typebox';

export const DeviceHealth = Type.Object(
  {
    id: Type.String(),
    protocol: Type.Union([Type.Literal('modbus-tcp'), Type.Literal('modbus-rtu'), Type.Literal('opcua')]),
    connected: Type.Boolean(),
    state: Type.Union(['connecting', 'connected', 'backoff', 'disconnected', 'stopped'].map((s) => Type.Literal(s))),
    samples: Type.Integer({ minimum: 0, description: 'Values read so far (good or bad)' }),
    errors: Type.Integer({ minimum: 0 }),
    lastError: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
export type DeviceHealth = Static<typeof DeviceHealth>;

export const HealthReply = Type.Object(
  {
    status: Type.Union([Type.Literal('ok'), Type.Literal('stopping')]),
    uptimeS: Type.Number({ minimum: 0 }),
    devices: Type.Array(DeviceHealth),
  },
  { additionalProperties: false },
);
export type HealthReply = Static<typeof HealthReply>;

export const ErrorReply = Type.Object({
  statusCode: Type.Integer(),
  code: Type.String(),
  error: Type.String(),
  message: Type.String(),
});
