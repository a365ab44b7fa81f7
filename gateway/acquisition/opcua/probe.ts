/**
 * `telltale probe opc.tcp://…`: connect once, browse the address space from a node to a depth (node id,
 * browse name, node class, data type, current value), and/or read given node ids. A commissioning tool:
 * it accepts the server certificate (auto-accept) and keeps its PKI in a temp dir unless given one.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AttributeIds,
  BrowseDirection,
  DataType,
  MessageSecurityMode,
  NodeClass,
  NodeId,
  ObjectIds,
  Range,
  ReferenceTypeIds,
  SecurityPolicy,
  UserTokenType,
  type ClientSession,
  type DataValue,
  type ReferenceDescription,
} from 'node-opcua';
import { describeError } from './errors.ts';
import { readOperationLimits } from './monitored.ts';
import { ONE_TRY, clientCertificateManager, createOpcUaClient } from './trust.ts';

export interface ProbeOptions {
  /** Node to browse from; default the Objects folder. */
  node?: string;
  /** Levels below the start node; default 2. */
  depth?: number;
  /** Node ids to read (no browse unless node is also given). */
  read?: string[];
  securityMode?: string;
  securityPolicy?: string;
  username?: string;
  password?: string;
  pkiDir?: string;
}

const OBJECTS_FOLDER = `i=${ObjectIds.ObjectsFolder}`;

export async function probeOpcUa(url: string, opts: ProbeOptions, print: (line: string) => void): Promise<void> {
  const securityMode = pick<MessageSecurityMode>(MessageSecurityMode, opts.securityMode ?? 'None', 'securityMode', ['None', 'Sign', 'SignAndEncrypt']);
  const securityPolicy = pick<SecurityPolicy>(SecurityPolicy, opts.securityPolicy ?? (securityMode === MessageSecurityMode.None ? 'None' : 'Basic256Sha256'), 'securityPolicy', [
    'None', 'Basic256Sha256', 'Aes128_Sha256_RsaOaep', 'Aes256_Sha256_RsaPss',
  ]);
  const depth = opts.depth ?? 2;
  if (!Number.isInteger(depth) || depth < 0) throw new Error(`probe: depth must be a whole number ≥ 0, got ${opts.depth}`);
  const pkiDir = opts.pkiDir ?? (await mkdtemp(join(tmpdir(), 'telltale-probe-pki-')));
  const cm = clientCertificateManager(pkiDir, 'auto-accept');
  const client = createOpcUaClient(cm, { securityMode, securityPolicy, connectionStrategy: ONE_TRY });
  const named = { id: 'probe', endpoint: url, username: opts.username };
  try {
    let session: ClientSession;
    try {
      await client.connect(url);
      session = await client.createSession(
        opts.username === undefined ? { type: UserTokenType.Anonymous } : { type: UserTokenType.UserName, userName: opts.username, password: opts.password ?? '' },
      );
    } catch (e) {
      throw new Error(describeError(e, named, "probe"));
    }
    try {
      if (opts.read?.length) await readNodes(session, opts.read, print);
      if (opts.node !== undefined || !opts.read?.length) await browseTree(session, opts.node ?? OBJECTS_FOLDER, depth, print);
    } finally {
      await session.close().catch(() => {});
    }
  } finally {
    await client.disconnect().catch(() => {});
    await cm.dispose();
    if (opts.pkiDir === undefined) await rm(pkiDir, { recursive: true, force: true });
  }
}

async function readNodes(session: ClientSession, ids: string[], print: (line: string) => void): Promise<void> {
  for (const id of ids) {
    try {
      NodeId.resolveNodeId(id);
    } catch {
      throw new Error(`probe: "${id}" is not a node id (expected e.g. ns=1;s=pump-1.pressure or i=2258)`);
    }
  }
  const values = await readInChunks(session, ids.map((nodeId) => ({ nodeId, attributeId: AttributeIds.Value })));
  ids.forEach((id, i) => print(`${id} = ${formatValue(values[i])}`));
}

interface Row {
  ref: ReferenceDescription;
  level: number;
  parent: string;
}

/** Breadth-first, so each level's values are read in a few Read calls (chunked to the server's limits). */
async function browseTree(session: ClientSession, start: string, depth: number, print: (line: string) => void): Promise<void> {
  const startKey = NodeId.resolveNodeId(start).toString();
  print(start === OBJECTS_FOLDER ? `${startKey}  Objects` : startKey);
  const rows: Row[] = [];
  let frontier: Array<{ nodeId: NodeId | string; key: string; level: number }> = [{ nodeId: start, key: startKey, level: 1 }];
  while (frontier.length > 0) {
    const results = await Promise.all(frontier.map((f) => browseAllReferences(session, f.nodeId)));
    const next: typeof frontier = [];
    results.forEach((refs, i) => {
      const { level, key } = frontier[i];
      for (const ref of refs) {
        rows.push({ ref, level, parent: key });
        // Under the default start, the standard Server object (ns=0) is hundreds of nodes: list it, do not descend.
        const skip = start === OBJECTS_FOLDER && ref.nodeId.namespace === 0;
        if (level < depth && !skip) next.push({ nodeId: ref.nodeId, key: ref.nodeId.toString(), level: level + 1 });
      }
    });
    frontier = next;
  }
  const variables = rows.filter((r) => r.ref.nodeClass === NodeClass.Variable);
  const [values, types] = await Promise.all([
    readInChunks(session, variables.map((r) => ({ nodeId: r.ref.nodeId, attributeId: AttributeIds.Value }))),
    readInChunks(session, variables.map((r) => ({ nodeId: r.ref.nodeId, attributeId: AttributeIds.DataType }))),
  ]);
  const detail = new Map(variables.map((r, i) => [r, `  ${dataTypeName(types[i])}  = ${formatValue(values[i])}`]));
  const children = new Map<string, Row[]>();
  for (const row of rows) children.set(row.parent, [...(children.get(row.parent) ?? []), row]);
  const printUnder = (key: string, level: number) => {
    for (const row of children.get(key) ?? []) {
      if (row.level !== level) continue;
      const r = row.ref;
      print(`${'  '.repeat(level)}${r.nodeId.toString()}  ${r.browseName.toString()}  ${NodeClass[r.nodeClass]}${detail.get(row) ?? ''}`);
      printUnder(r.nodeId.toString(), level + 1);
    }
  };
  printUnder(startKey, 1);
}

async function browseAllReferences(session: ClientSession, nodeId: NodeId | string): Promise<ReferenceDescription[]> {
  let result = await session.browse({
    nodeId,
    browseDirection: BrowseDirection.Forward,
    referenceTypeId: ReferenceTypeIds.HierarchicalReferences,
    includeSubtypes: true,
    nodeClassMask: 0,
    resultMask: 0x3f,
  });
  if (!result.statusCode.isGood()) throw new Error(`probe: cannot browse ${nodeId.toString()}: ${result.statusCode.name}`);
  const refs = [...(result.references ?? [])];
  while (result.continuationPoint && result.continuationPoint.length > 0) {
    result = await session.browseNext(result.continuationPoint, false);
    refs.push(...(result.references ?? []));
  }
  return refs;
}

async function readInChunks(session: ClientSession, items: Array<{ nodeId: NodeId | string; attributeId: AttributeIds }>): Promise<DataValue[]> {
  if (items.length === 0) return [];
  const { maxNodesPerRead } = await readOperationLimits(session);
  const size = maxNodesPerRead > 0 ? maxNodesPerRead : items.length;
  const out: DataValue[] = [];
  for (let i = 0; i < items.length; i += size) out.push(...(await session.read(items.slice(i, i + size))));
  return out;
}

function dataTypeName(dv: DataValue): string {
  const id = dv.value.value;
  if (!(id instanceof NodeId)) return '?';
  if (id.namespace === 0 && typeof id.value === 'number' && DataType[id.value] !== undefined) return DataType[id.value];
  return id.toString();
}

function formatValue(dv: DataValue): string {
  if (!dv.statusCode.isGood()) return `<${dv.statusCode.name}>`;
  const v = dv.value.value as unknown;
  let text: string;
  if (v instanceof Date) text = v.toISOString();
  else if (isEngineeringUnits(v)) text = `${v.displayName.text ?? ''} (${v.description.text ?? ''})`;
  else if (v instanceof Range) text = `${v.low} .. ${v.high}`;
  else text = typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

// node-opcua exports EUInformation only as a type, so recognise it by shape.
function isEngineeringUnits(v: unknown): v is { displayName: { text?: string | null }; description: { text?: string | null } } {
  return typeof v === 'object' && v !== null && 'unitId' in v && 'displayName' in v && 'description' in v;
}

function pick<T>(table: Record<string, unknown>, name: string, field: string, allowed: string[]): T {
  if (!allowed.includes(name)) throw new Error(`probe: ${field} "${name}" is not one of ${allowed.join(', ')}`);
  return table[name] as T;
}
