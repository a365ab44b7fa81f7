/**
 * The running gateway: the store-and-forward outputs (InfluxDB, MQTT uplink), the model store, the HTTP API, the
 * device registry with the YAML-configured devices, and the embedded Node-RED. Starts them in that order and stops
 * them in reverse (Node-RED first, so flow-owned devices close with it; the outputs last, so nothing in flight is lost).
 *
 * With `tsdb:` the gateway itself stores every device's raw samples, its own health every `gateway.healthIntervalS`
 * and the model audit trail; with `uplink:` it counts device bytes for the bandwidth meter and sends the audit trail
 * upstream. Flows reach both through RED.settings.telltale.outputs (influx-write with no URL, cloud-uplink with no
 * broker), so one set of credentials lives in gateway.yaml / the environment.
 */
import { join, resolve } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../api/app.ts';
import { LatestState } from '../api/latest-state.ts';
import type { GatewayModels } from '../models/lifecycle/gateway-models.ts';
import type { DeviceConfig, GatewayConfig } from '../config/schema.ts';
import type { Input } from '../core/pipeline.ts';
import type { NodeRedHost, NodeRedHostOptions } from '../host/nodered.ts';
import type { FlowNode } from '../host/default-flow.ts';
import type { FlowSyncResult } from '../host/flow-sync.ts';
import type { GatewayOutputs } from '../host/settings.ts';
import type { StoreAndForward } from '../outputs/store-and-forward.ts';
import { HealthSampler } from './health.ts';
import { createInput } from './devices.ts';
import { DeviceRegistry } from './registry.ts';
import { ListenError } from './listen-error.ts';
import { describeTls, serverTls, type ServerTls } from './tls.ts';

export interface GatewayOptions {
  config: GatewayConfig;
  /** Flow written into a data dir that has none yet. */
  seedFlow?: () => unknown[];
  /**
   * The flow the gateway would seed for some devices (startFlow over a subset): with it, a kept flow is synced with
   * gateway.yaml at every start — configured assets no flow reads get their pipeline on the managed tab.
   */
  flowFor?: (devices: DeviceConfig[]) => unknown[];
  /** The registry to use (to watch it before start); a new one by default. */
  registry?: DeviceRegistry;
  /** Node-RED adminAuth; when absent the editor asks for the login of editorLogin() (gateway/host/security.ts). */
  adminAuth?: unknown;
  /** Node-RED console log level; default 'warn'. */
  nodeRedLogLevel?: 'fatal' | 'error' | 'warn' | 'info' | 'debug';
  /** Ed25519 public key (PEM file) model bundles must be signed with; default config models.publicKey, then env TELLTALE_MODEL_PUBLIC_KEY. None: no model store. */
  modelPublicKey?: string;
  /** Where output problems (InfluxDB down, broker refused) and audit lines go; default stderr / stdout. */
  log?: (line: string) => void;
}

export class Gateway {
  readonly registry: DeviceRegistry;
  readonly dataDir: string;
  readonly startedAt = Date.now();
  /** Latest per-asset state and alerts shown by the API; hosts (scoring nodes) feed it. */
  readonly latest = new LatestState();
  /** What the start did to keep the kept flow in step with gateway.yaml (when the host gave flowFor). */
  flowSync?: FlowSyncResult;
  readonly #config: GatewayConfig;
  readonly #devices: Input[] = [];
  #api?: FastifyInstance;
  #models?: GatewayModels;
  #outputs?: StoreAndForward;
  #sampleSubs = new Map<string, () => void>();
  #unwatchRegistry?: () => void;
  #health?: { sampler: HealthSampler; timer: NodeJS.Timeout };
  #log: (line: string) => void = (line) => process.stderr.write(`${line}\n`);
  #nodeRed?: NodeRedHost;
  #editorLogin?: string;
  #tls: { api?: ServerTls; editor?: ServerTls } = {};
  #stopping?: Promise<void>;

  private constructor(config: GatewayConfig, registry: DeviceRegistry) {
    this.#config = config;
    this.registry = registry;
    this.dataDir = resolve(config.gateway.dataDir);
  }

  /** Starts everything; on a failure part-way, stops what did start and rethrows. */
  static async start(opts: GatewayOptions): Promise<Gateway> {
    keepLoggingThroughDiskFull();
    const gw = new Gateway(opts.config, opts.registry ?? new DeviceRegistry());
    if (opts.log) gw.#log = opts.log;
    try {
      await gw.#startOutputs();
      await gw.#startApi(opts);
      await gw.#startDevices();
      // The flows run either way; editor.enabled only decides whether the editor is served.
      await gw.#startNodeRed(opts);
    } catch (err) {
      await gw.stop();
      throw err;
    }
    return gw;
  }

  get apiUrl(): string | undefined {
    const addr = this.#api?.server.address() as AddressInfo | null | undefined;
    return addr ? `${this.#tls.api?.mode === 'off' ? 'http' : 'https'}://${this.#config.api.host}:${addr.port}/` : undefined;
  }

  /** The InfluxDB writer and uplink of gateway.yaml's `tsdb:` / `uplink:` sections, when configured. */
  get outputs(): GatewayOutputs | undefined {
    const o = this.#outputs;
    return o ? { ...(o.tsdb ? { tsdb: o.tsdb } : {}), ...(o.uplink ? { uplink: o.uplink } : {}), ownsSamples: true } : undefined;
  }

  /** One line per output: where it writes, or that it is not configured. */
  describeOutputs(): string[] {
    return this.#outputs?.describe() ?? ['tsdb, uplink: not configured in gateway.yaml (flows may still write through influx-write / cloud-uplink nodes with their own URLs)'];
  }

  get editorUrl(): string | undefined {
    return this.#nodeRed?.url || undefined;
  }

  /** One line about the editor login (with the password only on the start that generated it). */
  get editorLogin(): string | undefined {
    return this.#editorLogin;
  }

  /** One line per server on HTTPS: its certificate file and SHA-256 fingerprint (also logged at start). */
  get tlsLines(): string[] {
    return [describeTls('API', this.#tls.api ?? { mode: 'off' }), describeTls('Editor', this.#tls.editor ?? { mode: 'off' })].filter((l) => l !== undefined);
  }

  get flowFile(): string | undefined {
    return this.#nodeRed?.flowFile;
  }

  get stopping(): boolean {
    return this.#stopping !== undefined;
  }

  /** The model store (signed versions, activation, rollback), when a model public key is configured. */
  get models(): GatewayModels | undefined {
    return this.#models;
  }

  async #startOutputs(): Promise<void> {
    const { tsdb, uplink, gateway } = this.#config;
    if (tsdb || uplink) {
      // Loaded only when configured: a gateway without outputs does not pay for the influx and MQTT clients.
      const { storeAndForward } = await import('../outputs/store-and-forward.ts');
      let out: StoreAndForward;
      try {
        out = storeAndForward({ gateway: { id: gateway.id, site: gateway.site, dataDir: this.dataDir }, ...(tsdb ? { tsdb } : {}), ...(uplink ? { uplink } : {}) }, (err) => this.#log(`telltale outputs: ${err.message}`));
      } catch (err) {
        // A TLS file that cannot be read, a queue directory that cannot be created: the operator's to fix.
        throw new ListenError((err as Error).message);
      }
      this.#outputs = out;
      // Never waits for InfluxDB or the broker: both queue on disk until they answer.
      out.start().catch((err: Error) => this.#log(`telltale outputs: ${err.message}`));
      const accept = (b: Parameters<Parameters<Input['onSamples']>[0]>[0]) => {
        out.uplink?.recordBatch(b);
        out.tsdb?.write([{ kind: 'samples', batch: b }]).catch((err: Error) => this.#log(`telltale tsdb: ${err.message}`));
      };
      const follow = (id: string) => {
        const input = this.registry.get(id);
        if (input && !this.#sampleSubs.has(id)) this.#sampleSubs.set(id, input.onSamples(accept));
      };
      for (const input of this.registry.list()) follow(input.id);
      this.#unwatchRegistry = this.registry.onChange((e) => {
        if (e.type === 'registered') follow(e.id);
        else {
          this.#sampleSubs.get(e.id)?.();
          this.#sampleSubs.delete(e.id);
        }
      });
    }
    const sampler = new HealthSampler({ statuses: () => this.registry.statuses(), uplink: () => this.#outputs?.uplink, tsdb: () => this.#outputs?.tsdb, logWriteErrors: () => lostLogWrites.count });
    const timer = setInterval(() => {
      // A timer callback: reports, never throws into the event loop (a full disk must not stop the gateway).
      try {
        const h = sampler.sample();
        this.#outputs?.tsdb?.write([{ kind: 'health', ts: h.ts, metrics: h.metrics, component: h.component }]).catch((err: Error) => this.#log(`telltale tsdb: ${err.message}`));
      } catch (err) {
        this.#log(`telltale health: ${(err as Error).message}`);
      }
    }, gateway.healthIntervalS * 1000);
    timer.unref();
    this.#health = { sampler, timer };
  }

  async #startApi(opts: GatewayOptions): Promise<void> {
    const { host, port, tls } = this.#config.api;
    const { openGatewayModels } = await import('../models/lifecycle/gateway-models.ts');
    const { tsdbAuditSink, uplinkAuditSink } = await import('../models/lifecycle/audit.ts');
    const mc = this.#config.models;
    const publicKeyPath = opts.modelPublicKey ?? mc?.publicKey;
    const audit = [
      ...(this.#outputs?.tsdb ? [tsdbAuditSink(this.#outputs.tsdb)] : []),
      ...(this.#outputs?.uplink ? [uplinkAuditSink(this.#outputs.uplink)] : []),
    ];
    try {
      this.#models = await openGatewayModels({
        dataDir: this.dataDir,
        ...(publicKeyPath ? { publicKeyPath: resolve(publicKeyPath) } : {}),
        audit,
        ...(mc?.shadowRows ? { shadow: { rows: mc.shadowRows, minAgreement: mc.minAgreement } } : {}),
        onError: (err) => this.#log(`telltale models: ${err.message}`),
        ...(opts.log ? { log: opts.log } : {}),
      });
    } catch (err) {
      // An unreadable or malformed key file: name the setting it came from.
      const from = opts.modelPublicKey ? 'model public key' : 'models.publicKey (or TELLTALE_MODEL_PUBLIC_KEY)';
      throw new ListenError(`${from}: ${(err as Error).message}`);
    }
    if (this.#models && this.#health) {
      const sampler = this.#health.sampler;
      this.#models.lifecycle.active.onLatency = (ms) => sampler.observeInference(ms);
    }
    const apiTls = this.#tls.api = await serverTls('api', tls, host, this.dataDir);
    const https = apiTls.mode === 'off' ? undefined : { cert: apiTls.cert, key: apiTls.key };
    this.#api = buildApp({
      registry: this.registry, startedAt: this.startedAt, isStopping: () => this.stopping, models: this.#models?.lifecycle, latest: this.latest,
      logWriteErrors: () => lostLogWrites.count,
      ...(this.#outputs?.tsdb ? { tsdb: this.#outputs.tsdb } : {}),
      ...(this.#outputs?.uplink ? { uplink: this.#outputs.uplink } : {}),
      ...(https ? { https } : {}),
    });
    try {
      await this.#api.listen({ host, port });
    } catch (err) {
      throw new ListenError(`API cannot listen on ${host}:${port}: ${(err as Error).message}`);
    }
    if (apiTls.mode !== 'off') this.#log(describeTls('API', apiTls)!);
  }

  async #startDevices(): Promise<void> {
    const ctx = { buses: this.#config.buses, pkiDir: join(this.dataDir, 'pki') };
    for (const device of this.#config.devices) {
      const input = createInput(device, ctx);
      this.registry.register(input);
      this.#devices.push(input);
    }
    // A device that cannot connect is not a start-up failure: it retries with backoff and reports its status.
    await Promise.all(this.#devices.map((d) => d.start()));
  }

  async #startNodeRed(opts: GatewayOptions): Promise<void> {
    const { startNodeRed } = await import('../host/nodered.ts');
    const { host, port, flowFile, username, passwordHash, tls } = this.#config.editor;
    const serveEditor = this.#config.editor.enabled;
    let adminAuth = opts.adminAuth;
    if (adminAuth === undefined && serveEditor) {
      // No open editor on a default install: a login from env/config, else one generated and shown once.
      const { editorLogin, describeLogin } = await import('../host/security.ts');
      const login = editorLogin({ dataDir: this.dataDir, ...(username ? { username } : {}), ...(passwordHash ? { passwordHash } : {}) });
      adminAuth = login.adminAuth;
      this.#editorLogin = describeLogin(login, this.dataDir);
    }
    const editorTls = serveEditor ? (this.#tls.editor = await serverTls('editor', tls, host, this.dataDir)) : undefined;
    this.#nodeRed = await startNodeRed({
      dataDir: this.dataDir,
      host,
      port,
      registry: this.registry,
      latest: this.latest,
      ...(this.#models ? { models: this.#models } : {}),
      ...(this.outputs ? { outputs: this.outputs } : {}),
      logLevel: opts.nodeRedLogLevel ?? 'warn',
      ...(flowFile === undefined ? {} : { flowFile: resolve(flowFile) }),
      ...(opts.seedFlow === undefined ? {} : { seedFlow: opts.seedFlow }),
      ...(opts.flowFor === undefined ? {} : await this.#flowSync(opts.flowFor)),
      ...(adminAuth === undefined ? {} : { adminAuth }),
      serveEditor,
      ...(editorTls && editorTls.mode !== 'off' ? { tls: { cert: editorTls.certFile, key: editorTls.keyFile } } : {}),
    });
    if (editorTls && editorTls.mode !== 'off') this.#log(describeTls('Editor', editorTls)!);
  }

  /** Keeping the kept flow in step with gateway.yaml, and saying at start what that did. */
  async #flowSync(flowFor: (devices: DeviceConfig[]) => unknown[]): Promise<Pick<NodeRedHostOptions, 'syncFlow' | 'onFlowSync'>> {
    const { syncFlow } = await import('../host/flow-sync.ts');
    const config = this.#config;
    return {
      syncFlow: (kept) => syncFlow(kept, config, (devices) => flowFor(devices) as FlowNode[]),
      onFlowSync: (r) => {
        if (r instanceof Error) return this.#log(`telltale flow: ${r.message}`);
        this.flowSync = r;
        if (r.managed.length > 0) this.#log(`telltale flow: ${r.changed ? 'added' : 'kept'} the pipeline of ${r.managed.join(', ')} on the tab "Telltale: added devices" (configured, read by no other tab)`);
        if (r.unconfigured.length > 0) this.#log(`telltale flow: the flow reads ${r.unconfigured.join(', ')}, not in gateway.yaml: left as it is (delete those nodes in the editor, or add the device back)`);
      },
    };
  }

  /** Stops Node-RED, then the YAML devices, then the API. Safe to call more than once. */
  stop(): Promise<void> {
    return (this.#stopping ??= (async () => {
      const problems: string[] = [];
      const attempt = async (what: string, fn: () => Promise<unknown>) => {
        try {
          await fn();
        } catch (err) {
          problems.push(`${what}: ${(err as Error).message}`);
        }
      };
      if (this.#nodeRed) await attempt('Node-RED', () => this.#nodeRed!.stop());
      for (const d of this.#devices.splice(0).reverse()) {
        this.registry.unregister(d.id);
        await attempt(`device "${d.id}"`, () => d.stop());
      }
      if (this.#api) await attempt('API', () => this.#api!.close());
      if (this.#models) await attempt('models', () => this.#models!.close());
      if (this.#health) {
        clearInterval(this.#health.timer);
        this.#health.sampler.close();
      }
      this.#unwatchRegistry?.();
      for (const unsubscribe of this.#sampleSubs.values()) unsubscribe();
      this.#sampleSubs.clear();
      // Last: everything that could still write has stopped; what is not acknowledged stays in the disk queues.
      if (this.#outputs) await attempt('outputs', () => this.#outputs!.stop());
      if (problems.length) throw new Error(`gateway stopped with problems:\n  ${problems.join('\n  ')}`);
    })());
  }
}

/** Log lines stdout/stderr could not write (a log file on a full disk) since start. */
export const lostLogWrites = { count: 0 };

/**
 * stdout/stderr redirected to a file on a full disk emit 'error' (ENOSPC) at the next line, which with no listener
 * ends the process. With one the line is lost, counted, and writing resumes once space returns.
 */
function keepLoggingThroughDiskFull(): void {
  for (const stream of [process.stdout, process.stderr]) {
    if (!stream.listeners('error').includes(countLostWrite)) stream.on('error', countLostWrite);
  }
}

function countLostWrite(): void {
  lostLogWrites.count += 1;
}
