/**
 * Node-RED runtime settings for the embedded host: our nodes from this package, the user dir and flows under
 * the data dir, and nothing that phones home (no telemetry, update checks, diagnostics or palette catalogues).
 */
import { join } from 'node:path';
import { packageRoot } from '../core/package-root.ts';
import type { LatestState } from '../api/latest-state.ts';
import type { GatewayModels } from '../models/lifecycle/gateway-models.ts';
import type { DeviceRegistry } from '../runtime/registry.ts';
import type { TsdbWriter } from '../outputs/influx/writer.ts';
import type { CloudUplink } from '../uplink/cloud-uplink.ts';

/** The InfluxDB writer and MQTT uplink gateway.yaml configures (`tsdb:`, `uplink:`), owned by the Gateway. */
export interface GatewayOutputs {
  tsdb?: TsdbWriter;
  uplink?: CloudUplink;
  /** The Gateway itself stores every device's raw samples in tsdb and counts them for the uplink's bandwidth. */
  ownsSamples: boolean;
}

/** What our nodes read from RED.settings.telltale. */
export interface TelltaleNodeSettings {
  registry: DeviceRegistry;
  /** Where opcua-endpoint keeps its client certificate (PKI). */
  pkiDir: string;
  /** What the API serves per asset and alert: anomaly-score records its scores and alerts here. */
  latest?: LatestState;
  /** The gateway's model store: a telltale-model node with source "gateway" scores through its ActiveModel. */
  models?: GatewayModels;
  /** influx-write with no URL and cloud-uplink with no broker use these. */
  outputs?: GatewayOutputs;
}

export interface HostSettingsOptions {
  dataDir: string;
  flowFile?: string;
  registry: DeviceRegistry;
  latest?: LatestState;
  models?: GatewayModels;
  outputs?: GatewayOutputs;
  /** Node-RED adminAuth object (users, tokens); editor login arrives in a later issue — this is its hook. */
  adminAuth?: unknown;
  /** Runs before Node-RED's admin routes (Node-RED's httpAdminMiddleware): the editor's login limiter. */
  httpAdminMiddleware?: (req: never, res: never, next: (err?: unknown) => void) => void;
  /** Secret that encrypts node credentials in flows_cred.json; Node-RED generates one when absent. */
  credentialSecret?: string;
  logLevel?: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
}

export function hostSettings(opts: HostSettingsOptions): Record<string, unknown> {
  const userDir = join(opts.dataDir, 'node-red');
  const telltale: TelltaleNodeSettings = {
    registry: opts.registry,
    pkiDir: join(opts.dataDir, 'pki'),
    ...(opts.latest ? { latest: opts.latest } : {}),
    ...(opts.models ? { models: opts.models } : {}),
    ...(opts.outputs ? { outputs: opts.outputs } : {}),
  };
  return {
    userDir,
    flowFile: opts.flowFile ?? join(opts.dataDir, 'flows.json'),
    // The package itself is a Node-RED module (package.json "node-red".nodes → dist/nodes/…): load it from here.
    nodesDir: [packageRoot],
    httpAdminRoot: '/',
    httpNodeRoot: '/',
    ...(opts.credentialSecret === undefined ? {} : { credentialSecret: opts.credentialSecret }),
    ...(opts.adminAuth === undefined ? {} : { adminAuth: opts.adminAuth }),
    ...(opts.httpAdminMiddleware === undefined ? {} : { httpAdminMiddleware: opts.httpAdminMiddleware }),
    diagnostics: { enabled: false, ui: false },
    telemetry: { enabled: false, updateNotification: false },
    runtimeState: { enabled: false, ui: false },
    externalModules: {
      autoInstall: false,
      // node-red-contrib-modbus registers modbus-read and friends, the type names of our own Modbus nodes: Node-RED
      // would refuse one of the two (type_already_registered), so the gateway never loads it, wherever it is installed.
      palette: { allowInstall: false, allowUpdate: false, allowUpload: false, denyList: ['node-red-contrib-modbus'] },
      modules: { allowInstall: false },
    },
    editorTheme: {
      page: { title: 'Telltale' },
      header: { title: 'Telltale' },
      tours: false,
      palette: { catalogues: [], categories: ['Telltale', 'common', 'function', 'network', 'sequence', 'parser', 'storage'] },
    },
    logging: { console: { level: opts.logLevel ?? 'warn', metrics: false, audit: false } },
    functionGlobalContext: {},
    telltale,
  };
}
