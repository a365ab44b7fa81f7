/** Schema of an OPC UA endpoint and its monitored tags. */
import { Type, type Static } from '@sinclair/typebox';

export const OpcUaTag = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    asset: Type.Optional(Type.String({ minLength: 1 })),
    nodeId: Type.String({ minLength: 1, description: 'e.g. ns=1;s=pump-1.vibration_rms' }),
    samplingIntervalMs: Type.Optional(Type.Integer({ minimum: 0 })),
    deadband: Type.Optional(
      Type.Object(
        {
          type: Type.Union([Type.Literal('absolute'), Type.Literal('percent')]),
          value: Type.Number({ minimum: 0 }),
        },
        { additionalProperties: false },
      ),
    ),
    scale: Type.Number({ default: 1 }),
    offset: Type.Number({ default: 0 }),
    unit: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
export type OpcUaTag = Static<typeof OpcUaTag>;

export const OpcUaDevice = Type.Object(
  {
    protocol: Type.Literal('opcua'),
    id: Type.String({ minLength: 1, pattern: '^[A-Za-z0-9_.-]+$' }),
    asset: Type.Optional(Type.String({ minLength: 1 })),
    endpoint: Type.String({ pattern: '^opc\\.tcp://', description: 'opc.tcp://host:port/path' }),
    securityMode: Type.Union([Type.Literal('None'), Type.Literal('Sign'), Type.Literal('SignAndEncrypt')], { default: 'None' }),
    securityPolicy: Type.Union([Type.Literal('None'), Type.Literal('Basic256Sha256'), Type.Literal('Aes128_Sha256_RsaOaep'), Type.Literal('Aes256_Sha256_RsaPss')], { default: 'None' }),
    username: Type.Optional(Type.String()),
    password: Type.Optional(Type.String({ description: 'Prefer the environment: TELLTALE_DEVICE_<ID>_PASSWORD' })),
    samplingIntervalMs: Type.Integer({ minimum: 0, default: 1000 }),
    publishingIntervalMs: Type.Integer({ minimum: 10, default: 1000 }),
    backoff: Type.Object(
      {
        initialMs: Type.Integer({ minimum: 10, default: 1000 }),
        maxMs: Type.Integer({ minimum: 10, default: 30_000 }),
      },
      { additionalProperties: false, default: {} },
    ),
    tags: Type.Array(OpcUaTag, { minItems: 1 }),
  },
  { additionalProperties: false },
);
export type OpcUaDevice = Static<typeof OpcUaDevice>;
