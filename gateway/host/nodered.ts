/**
 * Node-RED embedded in our process: RED.init on our own http server, editor and admin API at '/', http-in
 * nodes under '/' too. This host is the one place in gateway/ that loads node-red, and only on demand
 * (dynamic import) so the core, the CLI and the benchmarks never pull it in.
 */
import { createServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { ListenError } from '../runtime/listen-error.ts';
import { hostSettings, type HostSettingsOptions } from './settings.ts';
import { adminAuthVerifier, loginLimiter } from './login-limiter.ts';
import type { FlowNode } from './default-flow.ts';
import type { FlowSyncResult } from './flow-sync.ts';

type Handler = (req: unknown, res: unknown, next: () => void) => void;

/** The part of node-red's module API we use (it ships no types). */
interface RedModule {
  init(server: Server, settings: Record<string, unknown>): void;
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly httpAdmin: Handler;
  readonly httpNode: Handler;
  readonly events: {
    on(event: string, listener: (ev: { id?: string; payload?: { error?: string; type?: string } }) => void): void;
    off(event: string, listener: (...args: never[]) => void): void;
  };
}

export interface NodeRedHostOptions extends HostSettingsOptions {
  host?: string;
  /** 0 picks a free port. */
  port: number;
  /** Written to the flow file when it does not exist yet (a fresh data dir). */
  seedFlow?: () => unknown[];
  /**
   * Applied to a kept flow file before Node-RED loads it (flow-sync.ts: configured assets no flow reads get their
   * pipeline on the managed tab); the file is rewritten atomically only when the result changed.
   */
  syncFlow?: (kept: FlowNode[]) => FlowSyncResult;
  /** What the sync did, or why the kept flow could not be read (it is then left as it is). */
  onFlowSync?: (result: FlowSyncResult | Error) => void;
  /** Serve the editor over HTTPS: PEM file paths. */
  tls?: { cert: string; key: string };
  /** false: the flows run, but no editor, admin API or HTTP endpoint is served (nothing listens). Default true. */
  serveEditor?: boolean;
}

export interface NodeRedHost {
  /** Editor URL, e.g. http://127.0.0.1:1880/; '' when the editor is not served. */
  readonly url: string;
  readonly port: number;
  readonly flowFile: string;
  stop(): Promise<void>;
}

let started = false;

/**
 * The key that encrypts node credentials (OPC UA passwords) in flows_cred.json: TELLTALE_CREDENTIAL_SECRET, else
 * a random key kept (mode 0600) in the data dir — the same protection as Node-RED's own generated key, without
 * its start-up warning, and replaceable from the environment.
 */
export function credentialSecret(dataDir: string, env: NodeJS.ProcessEnv = process.env): string {
  if (env.TELLTALE_CREDENTIAL_SECRET) return env.TELLTALE_CREDENTIAL_SECRET;
  const file = join(dataDir, 'credential-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(32).toString('hex');
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}

/** Reads the editor's PEM files, naming the one that cannot be read. */
function readTls(tls: { cert: string; key: string }): { cert: Buffer; key: Buffer } {
  const read = (field: 'cert' | 'key') => {
    try {
      return readFileSync(tls[field]);
    } catch (e) {
      throw new Error(`editor.tls.${field}: cannot read ${tls[field]}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  };
  return { cert: read('cert'), key: read('key') };
}

/** Starts Node-RED. Node-RED is a process-wide singleton: it can be started once per process. */
export async function startNodeRed(opts: NodeRedHostOptions): Promise<NodeRedHost> {
  const tlsFiles = opts.tls ? readTls(opts.tls) : undefined; // before anything starts: a bad path leaves no half-started runtime
  if (started) throw new Error('Node-RED is already running in this process (it can be initialised only once)');
  started = true;
  const serve = opts.serveEditor !== false;
  // Logins are checked and throttled per client address before Node-RED sees them (gateway/host/login-limiter.ts).
  const verify = adminAuthVerifier(opts.adminAuth);
  const limiter = verify && loginLimiter({
    verify,
    onBlock: (client, failures, seconds) => process.stderr.write(`telltale editor: ${failures} failed logins from ${client}; its logins are refused for ${seconds} s\n`),
  });
  const settings = hostSettings({
    ...opts,
    credentialSecret: opts.credentialSecret ?? credentialSecret(opts.dataDir),
    ...(limiter ? { httpAdminMiddleware: limiter } : {}),
  });
  if (!serve) settings.httpAdminRoot = false; // Node-RED then mounts no editor and no admin API
  const flowFile = settings.flowFile as string;
  mkdirSync(settings.userDir as string, { recursive: true });
  if (opts.seedFlow && !existsSync(flowFile)) {
    mkdirSync(dirname(flowFile), { recursive: true });
    writeFileSync(flowFile, JSON.stringify(opts.seedFlow(), null, 2));
  }
  if (opts.syncFlow && existsSync(flowFile)) {
    try {
      const kept = JSON.parse(readFileSync(flowFile, 'utf8')) as unknown;
      if (!Array.isArray(kept)) throw new Error('not a JSON array of nodes');
      const result = opts.syncFlow(kept as FlowNode[]);
      if (result.changed) {
        const tmp = `${flowFile}.telltale-sync`;
        writeFileSync(tmp, `${JSON.stringify(result.flow, null, 2)}\n`);
        renameSync(tmp, flowFile);
      }
      opts.onFlowSync?.(result);
    } catch (err) {
      opts.onFlowSync?.(new Error(`flow file ${basename(flowFile)}: ${(err as Error).message}; left as it is, not synced with gateway.yaml`));
    }
  }

  const moduleName = 'node-red'; // a variable specifier: node-red ships no types, we declare what we use above
  const RED = ((await import(moduleName)) as { default: RedModule }).default;
  const handler = (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => {
    RED.httpAdmin(req, res, () => RED.httpNode(req, res, () => {
      res.statusCode = 404;
      res.end('Not found\n');
    }));
  };
  const server: Server = tlsFiles ? createHttpsServer(tlsFiles, handler) : createServer(handler);
  RED.init(server, settings);
  const host = opts.host ?? '127.0.0.1';
  if (serve) {
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err) => reject(new ListenError(`Node-RED editor cannot listen on ${host}:${opts.port}: ${err.message}`)));
      server.listen(opts.port, host, () => resolve());
    });
  }
  // RED.start() resolves before the flows run; wait for them so callers see a working gateway.
  // A flow with node types that are not installed waits for them (Node-RED logs which); the editor still serves.
  const flowsStarted = new Promise<void>((resolve) => {
    const onStarted = () => { done(); resolve(); };
    const onRuntime = (ev: { id?: string; payload?: { error?: string; type?: string } }) => {
      if (ev.id === 'runtime-state' && ev.payload?.error === 'missing-types') {
        done();
        resolve();
      }
    };
    const done = () => { RED.events.off('flows:started', onStarted); RED.events.off('runtime-event', onRuntime); };
    RED.events.on('flows:started', onStarted);
    RED.events.on('runtime-event', onRuntime);
  });
  await RED.start();
  await flowsStarted;
  const port = serve ? (server.address() as AddressInfo).port : 0;
  let stopping: Promise<void> | undefined;
  return {
    url: serve ? `${tlsFiles ? 'https' : 'http'}://${host}:${port}/` : '',
    port,
    flowFile,
    stop: () => (stopping ??= (async () => {
      await RED.stop();
      if (!serve) return;
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    })()),
  };
}

