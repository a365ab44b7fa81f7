/**
 * The running gateway: the device registry, the YAML-configured devices, the HTTP API and the embedded Node-RED.
 * Starts them in that order and stops them in reverse (Node-RED first, so flow-owned devices close with it).
 */
import { join, resolve } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../api/app.ts';
import { LatestState } from '../api/latest-state.ts';
import type { GatewayModels } from '../models/lifecycle/gateway-models.ts';
import type { GatewayConfig } from '../config/schema.ts';
import type { Input } from '../core/pipeline.ts';
import type { NodeRedHost } from '../host/nodered.ts';
import { createInput } from './devices.ts';
import { DeviceRegistry } from './registry.ts';
import { ListenError } from './listen-error.ts';

export interface GatewayOptions {
  config: GatewayConfig;
  /** Flow written into a data dir that has none yet. */
  seedFlow?: () => unknown[];
  /** The registry to use (to watch it before start); a new one by default. */
  registry?: DeviceRegistry;
  /** Node-RED adminAuth; when absent the editor asks for the login of editorLogin() (gateway/host/security.ts). */
  adminAuth?: unknown;
  /** Node-RED console log level; default 'warn'. */
  nodeRedLogLevel?: 'fatal' | 'error' | 'warn' | 'info' | 'debug';
  /** Ed25519 public key (PEM file) model bundles must be signed with; default env TELLTALE_MODEL_PUBLIC_KEY. None: no model store. */
  modelPublicKey?: string;
}

export class Gateway {
  readonly registry: DeviceRegistry;
  readonly dataDir: string;
  readonly startedAt = Date.now();
  /** Latest per-asset state and alerts shown by the API; hosts (scoring nodes) feed it. */
  readonly latest = new LatestState();
  readonly #config: GatewayConfig;
  readonly #devices: Input[] = [];
  #api?: FastifyInstance;
  #models?: GatewayModels;
  #nodeRed?: NodeRedHost;
  #editorLogin?: string;
  #stopping?: Promise<void>;

  private constructor(config: GatewayConfig, registry: DeviceRegistry) {
    this.#config = config;
    this.registry = registry;
    this.dataDir = resolve(config.gateway.dataDir);
  }

  /** Starts everything; on a failure part-way, stops what did start and rethrows. */
  static async start(opts: GatewayOptions): Promise<Gateway> {
    const gw = new Gateway(opts.config, opts.registry ?? new DeviceRegistry());
    try {
      await gw.#startApi(opts);
      await gw.#startDevices();
      if (opts.config.editor.enabled) await gw.#startNodeRed(opts);
    } catch (err) {
      await gw.stop();
      throw err;
    }
    return gw;
  }

  get apiUrl(): string | undefined {
    const addr = this.#api?.server.address() as AddressInfo | null | undefined;
    return addr ? `http://${this.#config.api.host}:${addr.port}/` : undefined;
  }

  get editorUrl(): string | undefined {
    return this.#nodeRed?.url;
  }

  /** One line about the editor login (with the password only on the start that generated it). */
  get editorLogin(): string | undefined {
    return this.#editorLogin;
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

  async #startApi(opts: GatewayOptions): Promise<void> {
    const { host, port } = this.#config.api;
    const { openGatewayModels } = await import('../models/lifecycle/gateway-models.ts');
    this.#models = await openGatewayModels({ dataDir: this.dataDir, ...(opts.modelPublicKey ? { publicKeyPath: opts.modelPublicKey } : {}) });
    this.#api = buildApp({ registry: this.registry, startedAt: this.startedAt, isStopping: () => this.stopping, models: this.#models?.lifecycle, latest: this.latest });
    try {
      await this.#api.listen({ host, port });
    } catch (err) {
      throw new ListenError(`API cannot listen on ${host}:${port}: ${(err as Error).message}`);
    }
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
    let adminAuth = opts.adminAuth;
    if (adminAuth === undefined) {
      // No open editor on a default install: a login from env/config, else one generated and shown once.
      const { editorLogin, describeLogin } = await import('../host/security.ts');
      const login = editorLogin({ dataDir: this.dataDir, ...(username ? { username } : {}), ...(passwordHash ? { passwordHash } : {}) });
      adminAuth = login.adminAuth;
      this.#editorLogin = describeLogin(login, this.dataDir);
    }
    this.#nodeRed = await startNodeRed({
      dataDir: this.dataDir,
      host,
      port,
      registry: this.registry,
      latest: this.latest,
      ...(this.#models ? { models: this.#models } : {}),
      logLevel: opts.nodeRedLogLevel ?? 'warn',
      ...(flowFile === undefined ? {} : { flowFile: resolve(flowFile) }),
      ...(opts.seedFlow === undefined ? {} : { seedFlow: opts.seedFlow }),
      adminAuth,
      ...(tls ? { tls: { cert: resolve(tls.cert), key: resolve(tls.key) } } : {}),
    });
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
      if (problems.length) throw new Error(`gateway stopped with problems:\n  ${problems.join('\n  ')}`);
    })());
  }
}
