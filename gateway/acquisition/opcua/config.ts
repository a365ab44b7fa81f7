/** Schema of an OPC UA endpoint and its monitored tags. */
import { Type, type Static } from '@sinclair/typebox';

export const OpcUaTag = Type.Object(
  {
    name: Type.String({ minLength: 1, description: 'Tag name, unique per asset' }),
    asset: Type.Optional(Type.String({ minLength: 1, description: 'Asset the tag belongs to; defaults to the device asset' })),
    nodeId: Type.String({ minLength: 1, description: 'e.g. ns=1;s=pump-1.vibration_rms' }),
    samplingIntervalMs: Type.Optional(Type.Integer({ minimum: 0, description: 'Overrides the device sampling interval' })),
    deadband: Type.Optional(
      Type.Object(
        {
          type: Type.Union([Type.Literal('absolute'), Type.Literal('percent')], { description: 'absolute: engineering units; percent: of the EU range' }),
          value: Type.Number({ minimum: 0, description: 'Changes smaller than this are not reported' }),
        },
        { additionalProperties: false, description: 'Report only changes larger than the deadband' },
      ),
    ),
    scale: Type.Number({ default: 1, description: 'value = raw × scale + offset' }),
    offset: Type.Number({ default: 0, description: 'Added after scaling' }),
    unit: Type.Optional(Type.String({ description: 'Engineering unit; defaults to none' })),
  },
  { additionalProperties: false },
);
export type OpcUaTag = Static<typeof OpcUaTag>;

export const OpcUaDevice = Type.Object(
  {
    protocol: Type.Literal('opcua'),
    id: Type.String({ minLength: 1, pattern: '^[A-Za-z0-9_.-]+$', description: 'Unique device id; environment overrides use TELLTALE_DEVICE_<ID>_…' }),
    asset: Type.Optional(Type.String({ minLength: 1, description: 'Default asset of the tags; defaults to the device id' })),
    endpoint: Type.String({ pattern: '^opc\\.tcp://', description: 'opc.tcp://host:port/path (env TELLTALE_DEVICE_<ID>_ENDPOINT)' }),
    securityMode: Type.Union([Type.Literal('None'), Type.Literal('Sign'), Type.Literal('SignAndEncrypt')], { default: 'None', description: 'Message security; Sign and SignAndEncrypt use a generated client certificate' }),
    securityPolicy: Type.Union([Type.Literal('None'), Type.Literal('Basic256Sha256'), Type.Literal('Aes128_Sha256_RsaOaep'), Type.Literal('Aes256_Sha256_RsaPss')], { default: 'None', description: 'None exactly when securityMode is None' }),
    username: Type.Optional(Type.String({ description: 'User name for the session (env TELLTALE_DEVICE_<ID>_USERNAME); anonymous without' })),
    password: Type.Optional(Type.String({ description: 'Prefer the environment: TELLTALE_DEVICE_<ID>_PASSWORD' })),
    samplingIntervalMs: Type.Integer({ minimum: 0, default: 1000, description: 'Default sampling interval of the monitored items; 0 = as fast as the server can' }),
    publishingIntervalMs: Type.Integer({ minimum: 10, default: 1000, description: 'How often the server sends the changes' }),
    backoff: Type.Object(
      {
        initialMs: Type.Integer({ minimum: 10, default: 1000, description: 'First reconnect delay; grows with jitter up to maxMs' }),
        maxMs: Type.Integer({ minimum: 10, default: 30_000, description: 'Longest reconnect delay' }),
      },
      { additionalProperties: false, default: {} },
    ),
    tags: Type.Array(OpcUaTag, { minItems: 1, description: 'The nodes to monitor' }),
  },
  { additionalProperties: false },
);
export type OpcUaDevice = Static<typeof OpcUaDevice>;

/**
 * The warning for a device that logs in with a user name and password over securityMode None: OPC UA then sends
 * the password unprotected (no channel encryption), readable by anyone on the OT network. Names the device and
 * the user, never the password. undefined when the login is anonymous or the channel is secured.
 */
export function plaintextLoginWarning(device: Pick<OpcUaDevice, 'id' | 'securityMode' | 'username' | 'password'>): string | undefined {
  if (device.securityMode !== 'None' || (device.username === undefined && device.password === undefined)) return undefined;
  return `OPC UA device ${device.id}: user${device.username === undefined ? '' : ` "${device.username}"`} logs in with a password over securityMode None; use securityMode Sign or SignAndEncrypt so the password is not readable on the network`;
}
