/**
 * One OPC UA server connection as a pipeline Input: a node-opcua client, one session, one subscription whose
 * monitored items feed subscription groups (one per asset of the config, plus those Node-RED nodes add).
 *
 * Recovery has two layers. node-opcua's own: its connection strategy (our backoff) re-opens the channel
 * after a drop and, when the server restarted and lost the session, creates a new session and re-creates
 * the subscription and its monitored items. Ours, for what it does not cover (the first connect's session
 * errors, a subscription that stays silent, a terminated one): tear everything down and rebuild with backoff.
 */
import type {
  OPCUAClient,
  ClientSession,
  ClientSubscription,
  DataValue,
  OPCUACertificateManager,
  UserIdentityInfo,
} from 'node-opcua';
import type { Input, SampleListener, StatusListener } from '../../core/pipeline.ts';
import type { ConnectionState, DeviceStatus } from '../../core/sample.ts';
import { plaintextLoginWarning, type OpcUaDevice, type OpcUaTag } from './config.ts';
import { redactText } from '../../config/redact.ts';
import { describeError } from './errors.ts';
import { nodeOpcua } from './lib.ts';
import { GroupState, monitorGroup, readOperationLimits, type OpcUaGroup, type OperationLimits } from './monitored.ts';
import { clientCertificateManager, createOpcUaClient, pinOnFirstUse, type ServerTrust } from './trust.ts';

export interface OpcUaEndpointOptions {
  /** Folder of the client PKI (own certificate, trusted/rejected server certificates, pins). */
  pkiDir: string;
  /** How server certificates are trusted; see trust.ts. Default 'tofu'. */
  serverTrust?: ServerTrust;
  /** Where start() says what is unsafe (a password over securityMode None); default stderr. */
  warn?: (line: string) => void;
}

const KEEPALIVE_COUNT = 10;

export class OpcUaEndpoint implements Input {
  readonly id: string;
  readonly #device: OpcUaDevice;
  readonly #opts: OpcUaEndpointOptions;
  readonly #groups = new Map<string, GroupState>();
  readonly #sampleListeners = new Set<SampleListener>();
  readonly #statusListeners = new Set<StatusListener>();
  readonly #status: DeviceStatus;
  #cm?: OPCUACertificateManager;
  #client?: OPCUAClient;
  #session?: ClientSession;
  #subscription?: ClientSubscription;
  #limits: OperationLimits = { maxMonitoredItemsPerCall: 0, maxNodesPerRead: 0 };
  #stopped = true;
  #loop?: Promise<void>;
  #broken?: (reason: string) => void;
  #wake?: () => void;
  #flushScheduled = false;
  #lastActivity = 0;
  /** When node-opcua re-opened the channel and has not yet restored the session (0 = not waiting). */
  #channelBackAt = 0;
  #watchdog?: NodeJS.Timeout;
  #everConnected = false;
  readonly #monitoring = new Set<GroupState>();

  constructor(device: OpcUaDevice, opts: OpcUaEndpointOptions) {
    this.id = device.id;
    this.#device = device;
    this.#opts = opts;
    this.#status = { id: device.id, protocol: 'opcua', state: 'disconnected', connected: false, samples: 0, errors: 0, reconnects: 0, requests: 0 };
    const byAsset = new Map<string, OpcUaTag[]>();
    for (const tag of device.tags) {
      const asset = tag.asset ?? device.asset ?? device.id;
      byAsset.set(asset, [...(byAsset.get(asset) ?? []), tag]);
    }
    for (const [asset, tags] of byAsset) this.#groups.set(asset, new GroupState({ id: asset, asset, tags }));
  }

  status(): DeviceStatus {
    return { ...this.#status };
  }

  onSamples(listener: SampleListener): () => void {
    this.#sampleListeners.add(listener);
    return () => this.#sampleListeners.delete(listener);
  }

  onStatus(listener: StatusListener): () => void {
    this.#statusListeners.add(listener);
    return () => this.#statusListeners.delete(listener);
  }

  /** Registers more tags (an opcua-subscribe node); monitored at once when connected. Returns the remover. */
  addGroup(def: OpcUaGroup): () => void {
    if (this.#groups.has(def.id)) throw new Error(`OPC UA device ${this.id}: group "${def.id}" is already registered`);
    const group = new GroupState(def);
    this.#groups.set(def.id, group);
    // While node-opcua repairs a session the group waits; session_restored monitors it.
    if (this.#status.connected) this.#monitorPending();
    return () => {
      if (this.#groups.get(def.id) !== group) return;
      this.#groups.delete(def.id);
      for (const items of group.items) items.terminate().catch(() => {});
      group.items = [];
    };
  }

  async start(): Promise<void> {
    if (!this.#stopped) return;
    this.#stopped = false;
    const warning = plaintextLoginWarning(this.#device);
    if (warning) (this.#opts.warn ?? ((line: string) => process.stderr.write(`${line}\n`)))(`telltale: warning: ${warning}`);
    this.#cm = clientCertificateManager(this.#opts.pkiDir, this.#opts.serverTrust ?? 'tofu');
    this.#loop = this.#run();
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#broken?.('stopped');
    this.#wake?.();
    await this.#teardown(); // aborts a connect in flight
    await this.#loop;
    await this.#teardown(); // releases what a racing connect created after the first teardown
    await this.#cm?.dispose();
    this.#cm = undefined;
    this.#setState('stopped', false);
  }

  async #run(): Promise<void> {
    let attempt = 0;
    while (!this.#stopped) {
      try {
        await this.#connect();
        if (this.#stopped) break;
        attempt = 0;
        const reason = await new Promise<string>((resolve) => (this.#broken = resolve));
        if (!this.#stopped) this.#recordError(`OPC UA device ${this.id}: ${reason}; rebuilding the session`);
      } catch (e) {
        if (!this.#stopped) this.#recordError(describeError(e, this.#device));
      }
      this.#broken = undefined;
      await this.#teardown();
      if (this.#stopped) break;
      this.#setState('backoff', false);
      await this.#sleep(backoffDelay(this.#device.backoff, attempt++));
    }
  }

  async #connect(): Promise<void> {
    const d = this.#device;
    const cm = this.#cm!;
    this.#setState('connecting', false);
    const { MessageSecurityMode, SecurityPolicy } = nodeOpcua();
    const securityMode = MessageSecurityMode[d.securityMode];
    const securityPolicy = SecurityPolicy[d.securityPolicy];
    if (securityMode !== MessageSecurityMode.None && (this.#opts.serverTrust ?? 'tofu') === 'tofu') {
      await pinOnFirstUse(cm, this.#opts.pkiDir, d.id, d.endpoint, securityPolicy);
    }
    const client = createOpcUaClient(cm, {
      securityMode,
      securityPolicy,
      keepSessionAlive: true,
      requestedSessionTimeout: 60_000,
      connectionStrategy: { initialDelay: d.backoff.initialMs, maxDelay: d.backoff.maxMs, randomisationFactor: 0.2, maxRetry: -1 },
    });
    this.#client = client;
    client.on('backoff', (count: number, delay: number) => {
      this.#status.errors++;
      this.#status.lastError = redactText(`OPC UA device ${d.id}: cannot reach ${d.endpoint} (attempt ${count + 1}); next try in ${Math.round(delay)} ms`);
      this.#setState('backoff', false);
    });
    client.on('connection_lost', () => this.#recordError(`OPC UA device ${d.id}: connection to ${d.endpoint} lost`, 'connecting'));
    client.on('connection_reestablished', () => this.#status.reconnects++);
    client.on('after_reconnection', (err?: Error | null) => {
      this.#lastActivity = Date.now();
      if (err) this.#recordError(describeError(err, d));
      else this.#channelBackAt = Date.now();
    });

    await client.connect(d.endpoint);
    if (this.#stopped) return;
    const session = await client.createSession(identityOf(d));
    this.#session = session;
    session.on('session_closed', () => this.#broken?.('the server closed the session'));
    // Emitted once node-opcua has a session again and has re-created the subscription and its items.
    session.on('session_restored', () => {
      if (this.#session !== session) return;
      this.#lastActivity = Date.now();
      this.#channelBackAt = 0;
      this.#setState('connected', true);
      this.#monitorPending();
    });
    this.#limits = await readOperationLimits(session);
    const subscription = await session.createSubscription2({
      requestedPublishingInterval: d.publishingIntervalMs,
      requestedLifetimeCount: KEEPALIVE_COUNT * 6,
      requestedMaxKeepAliveCount: KEEPALIVE_COUNT,
      maxNotificationsPerPublish: 0,
      publishingEnabled: true,
      priority: 1,
    });
    this.#subscription = subscription;
    subscription.on('keepalive', () => (this.#lastActivity = Date.now()));
    subscription.on('received_notifications', () => {
      this.#lastActivity = Date.now();
      this.#status.requests++;
    });
    subscription.on('terminated', () => this.#broken?.('the subscription was terminated'));
    for (const group of this.#groups.values()) {
      await monitorGroup(subscription, group, d.samplingIntervalMs, this.#limits, this.#onChange);
    }
    this.#scheduleFlush();
    if (this.#everConnected) this.#status.reconnects++;
    this.#everConnected = true;
    this.#lastActivity = Date.now();
    this.#startWatchdog();
    this.#setState('connected', true);
  }

  /** Monitors the groups added while no subscription could take them. */
  #monitorPending(): void {
    const subscription = this.#subscription;
    if (!subscription) return;
    for (const group of this.#groups.values()) {
      if (group.items.length > 0 || group.def.tags.length === 0 || this.#monitoring.has(group)) continue;
      this.#monitoring.add(group);
      monitorGroup(subscription, group, this.#device.samplingIntervalMs, this.#limits, this.#onChange)
        .then(() => {
          // Removed while its items were being created: release them.
          if (this.#groups.get(group.def.id) !== group) for (const items of group.items.splice(0)) items.terminate().catch(() => {});
          this.#scheduleFlush();
        })
        .catch((e) => this.#recordError(`group ${group.def.id}: ${describeError(e, this.#device)}`))
        .finally(() => this.#monitoring.delete(group));
    }
  }

  /**
   * Rebuilds when a connected subscription stays silent well past its keep-alive period, or when node-opcua
   * has the channel back but cannot restore the session (it would retry forever, e.g. after a password change).
   */
  #startWatchdog(): void {
    const silenceMs = this.#device.publishingIntervalMs * KEEPALIVE_COUNT * 2 + 5000;
    clearInterval(this.#watchdog);
    this.#channelBackAt = 0;
    this.#watchdog = setInterval(() => {
      const now = Date.now();
      if (this.#status.state === 'connected' && now - this.#lastActivity > silenceMs) {
        this.#broken?.(`no publish response for ${silenceMs} ms`);
      } else if (this.#channelBackAt > 0 && now - this.#channelBackAt > silenceMs) {
        this.#broken?.(`node-opcua reconnected but could not restore the session within ${silenceMs} ms`);
      }
    }, Math.min(silenceMs, 5000));
    this.#watchdog.unref();
  }

  #onChange = (group: GroupState, _tag: OpcUaTag, dv: DataValue): void => {
    group.apply(_tag, dv);
    this.#status.samples++;
    this.#status.lastSampleTs = group.ts;
    this.#scheduleFlush();
  };

  /** node-opcua dispatches one publish response synchronously: flushing on setImmediate gives one batch per group. */
  #scheduleFlush(): void {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    setImmediate(() => {
      this.#flushScheduled = false;
      if (this.#stopped) return;
      for (const group of this.#groups.values()) {
        if (!group.dirty) continue;
        const batch = group.takeBatch(this.id);
        for (const listener of this.#sampleListeners) {
          try {
            listener(batch);
          } catch (e) {
            this.#recordError(`sample listener failed: ${(e as Error).message}`);
          }
        }
      }
    });
  }

  async #teardown(): Promise<void> {
    clearInterval(this.#watchdog);
    const client = this.#client;
    const session = this.#session;
    this.#client = undefined;
    this.#session = undefined;
    this.#subscription = undefined;
    for (const group of this.#groups.values()) group.items = [];
    if (session) await withTimeout(session.close(true), 2000).catch(() => {});
    if (client) {
      client.removeAllListeners();
      await withTimeout(client.disconnect(), 2000).catch(() => {});
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      this.#wake = () => {
        clearTimeout(t);
        resolve();
      };
    });
  }

  #recordError(message: string, state?: ConnectionState): void {
    this.#status.errors++;
    this.#status.lastError = redactText(message);
    if (state) this.#setState(state, false);
    else this.#emitStatus();
  }

  #setState(state: ConnectionState, connected: boolean): void {
    this.#status.state = state;
    this.#status.connected = connected;
    this.#emitStatus();
  }

  #emitStatus(): void {
    const snapshot = this.status();
    for (const listener of this.#statusListeners) {
      try {
        listener(snapshot);
      } catch {
        // A failing status listener must not break acquisition.
      }
    }
  }
}

function identityOf(d: OpcUaDevice): UserIdentityInfo {
  // An empty user name (an unset Node-RED credential, an empty env var) means anonymous.
  const { UserTokenType } = nodeOpcua();
  if (!d.username) return { type: UserTokenType.Anonymous };
  return { type: UserTokenType.UserName, userName: d.username, password: d.password ?? '' };
}

/** Exponential backoff with ±20 % jitter so many gateways do not retry in step. */
export function backoffDelay(b: { initialMs: number; maxMs: number }, attempt: number): number {
  const base = Math.min(b.maxMs, b.initialMs * 2 ** Math.min(attempt, 20));
  return base * (0.8 + 0.4 * Math.random());
}

/** Closing a session on a dead server can wait for a long request timeout; do not let stop() hang on it. */
async function withTimeout(p: Promise<unknown>, ms: number): Promise<void> {
  let t: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => (t = setTimeout(resolve, ms)));
  try {
    await Promise.race([p, timeout]);
  } finally {
    clearTimeout(t);
  }
}
