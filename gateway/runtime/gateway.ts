/**
 * The running gateway: the device registry, the YAML-configured devices, the HTTP API and the embedded Node-RED.
 * Starts them in that order and stops them in reverse (Node-RED first, so flow-owned devices close with it).
 */
import { join, resolve } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../api/app.ts';
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
  /** Node-RED adminAuth (editor login); the hook for the issue that secures the editor. */
  adminAuth?: unknown;
  /** Node-RED console log level; default 'warn'. */
  nodeRedLogLevel?: 'fatal' | 'error' | 'warn' | 'info' | 'debug';
}

export class Gateway {
  readonly registry: DeviceRegistry;
  readonly dataDir: string;
  readonly startedAt = Date.now();
  readonly #config: GatewayConfig;
  readonly #devices: Input[] = [];
  #api?: FastifyInstance;
  #nodeRed?: NodeRedHost;
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
      await gw.#startApi();
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

  get flowFile(): string | undefined {
    return this.#nodeRed?.flowFile;
  }

  get stopping(): boolean {
    return this.#stopping !== undefined;
  }

  async #startApi(): Promise<void> {
    const { host, port } = this.#config.api;
    this.#api = buildApp({ registry: this.registry, startedAt: this.startedAt, isStopping: () => this.stopping });
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
    const { host, port, flowFile } = this.#config.editor;
    this.#nodeRed = await startNodeRed({
      dataDir: this.dataDir,
      host,
      port,
      registry: this.registry,
      logLevel: opts.nodeRedLogLevel ?? 'warn',
      ...(flowFile === undefined ? {} : { flowFile: resolve(flowFile) }),
      ...(opts.seedFlow === undefined ? {} : { seedFlow: opts.seedFlow }),
      ...(opts.adminAuth === undefined ? {} : { adminAuth: opts.adminAuth }),
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
      if (problems.length) throw new Error(`gateway stopped with problems:\n  ${problems.join('\n  ')}`);
    })());
  }
}
