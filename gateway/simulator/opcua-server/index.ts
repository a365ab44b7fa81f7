/**
 * The plant simulator's OPC UA server (node-opcua OPCUAServer): one folder per asset under Objects, one
 * Double or Boolean variable per signal with nodeId `ns=1;s=<asset>.<name>`. Endpoints: security None and
 * SignAndEncrypt/Basic256Sha256; anonymous plus optional user/password.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DataType,
  MessageSecurityMode,
  OPCUACertificateManager,
  OPCUAServer,
  SecurityPolicy,
  StatusCodes,
  Variant,
  type UAVariable,
} from 'node-opcua';
import { engineeringUnits } from './units.ts';

export interface PlantVariable {
  asset: string;
  name: string;
  /** Engineering unit ("bar", "degC", "mm/s" …); makes the variable an AnalogItem with EngineeringUnits. */
  unit?: string;
  /** EURange of an AnalogItem (percent deadbands are relative to it); defaults to 0..100. */
  range?: { low: number; high: number };
  /** A boolean makes a Boolean variable; anything else a Double. */
  initial?: number | boolean;
}

export interface PlantOpcUaServerOptions {
  /** Interface to listen on; all interfaces when omitted. */
  host?: string;
  /** 0 lets the OS pick a free port. */
  port: number;
  variables: PlantVariable[];
  /** username → password; anonymous access stays allowed. */
  users?: Record<string, string>;
  /** Server and user PKI folders go here; a fresh temp dir (removed on close) when omitted. */
  pkiDir?: string;
  /** Server operation limits, e.g. a low maxMonitoredItemsPerCall to exercise client chunking. */
  operationLimits?: { maxMonitoredItemsPerCall?: number; maxNodesPerRead?: number; maxNodesPerBrowse?: number };
}

export interface PlantOpcUaServer {
  endpointUrl: string;
  port: number;
  /** Publishes a new value (cheap: called every tick for every signal). Unknown asset/name throws. */
  set(asset: string, name: string, value: number | boolean, sourceTimestamp?: Date): void;
  close(): Promise<void>;
}

interface Slot {
  variable: UAVariable;
  dataType: DataType;
}

const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '']);

export async function startPlantOpcUaServer(opts: PlantOpcUaServerOptions): Promise<PlantOpcUaServer> {
  const keys = new Set<string>();
  for (const v of opts.variables) {
    const key = `${v.asset}.${v.name}`;
    if (keys.has(key)) throw new Error(`OPC UA server: variable ${key} declared twice`);
    keys.add(key);
  }
  const ownPki = opts.pkiDir === undefined;
  const pkiDir = opts.pkiDir ?? (await mkdtemp(join(tmpdir(), 'telltale-opcua-server-')));
  // Both managers default to the home directory in node-opcua; keep them under pkiDir.
  const serverCertificateManager = new OPCUACertificateManager({
    rootFolder: join(pkiDir, 'server'),
    automaticallyAcceptUnknownCertificate: true,
  });
  const userCertificateManager = new OPCUACertificateManager({
    rootFolder: join(pkiDir, 'user'),
    automaticallyAcceptUnknownCertificate: true,
  });
  const users = opts.users ?? {};
  const hostname = opts.host !== undefined && !WILDCARD_HOSTS.has(opts.host) ? opts.host : undefined;

  const server = new OPCUAServer({
    host: opts.host,
    hostname,
    port: opts.port,
    serverCertificateManager,
    userCertificateManager,
    securityModes: [MessageSecurityMode.None, MessageSecurityMode.SignAndEncrypt],
    securityPolicies: [SecurityPolicy.None, SecurityPolicy.Basic256Sha256],
    allowAnonymous: true,
    userManager: { isValidUser: (username: string, password: string) => users[username] !== undefined && users[username] === password },
    serverCapabilities: opts.operationLimits ? { operationLimits: opts.operationLimits } : undefined,
    buildInfo: { productName: 'Telltale plant simulator', manufacturerName: 'Telltale' },
    serverInfo: { applicationUri: 'urn:telltale:plant-simulator' },
    isAuditing: false,
  });
  const close = async () => {
    await server.shutdown(0).catch(() => {});
    await serverCertificateManager.dispose();
    await userCertificateManager.dispose();
    if (ownPki) await rm(pkiDir, { recursive: true, force: true });
  };
  let slots: Map<string, Slot>;
  try {
    await server.initialize();
    slots = buildAddressSpace(server, opts.variables);
    await server.start();
  } catch (e) {
    await close().catch(() => {});
    throw new Error(`OPC UA server on ${opts.host ?? '*'}:${opts.port}: ${(e as Error).message}`);
  }
  const port = server.endpoints[0]?.port ?? opts.port;
  const endpointUrl = `opc.tcp://${hostname ?? 'localhost'}:${port}`;

  return {
    endpointUrl,
    port,
    set(asset, name, value, sourceTimestamp) {
      const slot = slots.get(`${asset}.${name}`);
      if (!slot) throw new Error(`OPC UA server: no variable ${asset}.${name}`);
      if ((slot.dataType === DataType.Boolean) !== (typeof value === 'boolean')) {
        throw new Error(`OPC UA server: ${asset}.${name} is ${DataType[slot.dataType]}, got ${typeof value} ${String(value)}`);
      }
      // A fresh Variant per value: node-opcua keeps the object in the DataValue it hands to monitored items.
      slot.variable.setValueFromSource(new Variant({ dataType: slot.dataType, value }), StatusCodes.Good, sourceTimestamp ?? new Date());
    },
    close,
  };
}

/** A folder per asset under Objects, a variable per signal. */
function buildAddressSpace(server: OPCUAServer, variables: PlantVariable[]): Map<string, Slot> {
  const addressSpace = server.engine.addressSpace;
  if (!addressSpace) throw new Error('OPC UA server: address space not created');
  const namespace = addressSpace.getOwnNamespace();
  const folders = new Map<string, ReturnType<typeof namespace.addFolder>>();
  const slots = new Map<string, Slot>();

  for (const v of variables) {
    const key = `${v.asset}.${v.name}`;
    let folder = folders.get(v.asset);
    if (!folder) {
      folder = namespace.addFolder(addressSpace.rootFolder.objects, { browseName: v.asset, nodeId: `s=${v.asset}` });
      folders.set(v.asset, folder);
    }
    const isBool = typeof v.initial === 'boolean';
    const dataType = isBool ? DataType.Boolean : DataType.Double;
    const common = { organizedBy: folder, browseName: v.name, nodeId: `s=${key}`, minimumSamplingInterval: 0 };
    const variable: UAVariable =
      !isBool && (v.unit !== undefined || v.range !== undefined)
        ? namespace.addAnalogDataItem({
            ...common,
            dataType: 'Double',
            engineeringUnitsRange: v.range ?? { low: 0, high: 100 },
            ...(v.unit !== undefined ? { engineeringUnits: engineeringUnits(v.unit) } : {}),
          })
        : namespace.addVariable({ ...common, dataType: isBool ? 'Boolean' : 'Double' });
    variable.setValueFromSource(new Variant({ dataType, value: v.initial ?? (isBool ? false : 0) }), StatusCodes.Good);
    slots.set(key, { variable, dataType });
  }

  return slots;
}
