/**
 * The gateway side of one bench step, built from the real pieces: one ModbusDevice per asset (acquisition),
 * FeatureProcessor (windows), BatchScorer over an OnnxScorer (one PCA fitted on the step's own warm-up windows),
 * AssetDetector per asset, and storeAndForward (TsdbWriter to influxd, CloudUplink to mosquitto).
 */
import { join } from 'node:path';
import { ModbusDevice } from '../acquisition/modbus/device.ts';
import type { ModbusTcpDevice } from '../acquisition/modbus/config.ts';
import type { SampleBatch } from '../core/sample.ts';
import { AssetDetector } from '../detection/detector.ts';
import { FeatureProcessor, type FeatureFrame } from '../features/processor.ts';
import { BatchScorer, fitModel, OnnxScorer, toOnnx } from '../models/index.ts';
import { storeAndForward, type StoreAndForward } from '../outputs/store-and-forward.ts';
import { resolveTsdbConfig } from '../outputs/influx/config.ts';
import { resolveUplinkConfig } from '../uplink/config.ts';
// The simulator's parts, not its index: the index also brings the OPC UA server (node-opcua, ~90 MB RSS).
import { simulatorDevices } from '../simulator/gateway-config.ts';
import { SyntheticPlant } from '../simulator/plant/synthetic.ts';
import { RegisterMap } from '../simulator/register-map.ts';

export interface PipelineOptions {
  assets: number;
  tagsPerAsset: number;
  rate: number;
  simPort: number;
  influxUrl: string;
  mqttUrl: string;
  dataDir: string;
  /** Samples per feature window (tumbling). */
  window: number;
  /** Windows per asset fitted as normal before scoring starts. */
  warmupWindows: number;
  onAlert?: (asset: string, ts: number) => void;
}

export interface PipelineCounters {
  values: number;
  batches: number;
  frames: number;
  scored: number;
  alerts: number;
  /** Bytes of Modbus response frames (MBAP 7 + function 1 + count 1 + data per request). */
  bytesIn: number;
  /** Newest-minus-acquired age of batches when they reached the features, ms. */
  ages: number[];
  errors: string[];
}

export class BenchPipeline {
  readonly devices: ModbusDevice[];
  readonly outputs: StoreAndForward;
  readonly counters: PipelineCounters = { values: 0, batches: 0, frames: 0, scored: 0, alerts: 0, bytesIn: 0, ages: [], errors: [] };
  private readonly features: FeatureProcessor;
  private readonly detectors = new Map<string, AssetDetector>();
  private readonly alerting = new Set<string>();
  private readonly warmup: number[][] = [];
  private scorer: OnnxScorer | undefined;
  private batcher: BatchScorer | undefined;
  private fitting: Promise<void> | undefined;
  private threshold = Infinity;
  private readonly opts: PipelineOptions;

  constructor(opts: PipelineOptions) {
    this.opts = opts;
    const synthetic = new SyntheticPlant({ assets: opts.assets, tagsPerAsset: opts.tagsPerAsset });
    const at = { host: '127.0.0.1', modbusPort: opts.simPort, unitId: 1, order: 'ABCD' as const };
    const plant = simulatorDevices(synthetic, new RegisterMap(synthetic, at.order), at, { pollIntervalMs: Math.max(1, Math.round(1000 / opts.rate)) })[0] as ModbusTcpDevice;
    // One device (connection, unit) per asset, as a plant wires one controller per machine.
    this.devices = [...new Set(plant.tags.map((t) => t.asset!))].map((asset) => new ModbusDevice({
      ...plant, id: `sim-${asset}`, asset, timeoutMs: 2000, retries: 0, tags: plant.tags.filter((t) => t.asset === asset),
    }));
    this.features = new FeatureProcessor({ size: opts.window, features: ['mean', 'std'], vector: true });
    const gateway = { id: 'bench', site: 'bench', dataDir: opts.dataDir };
    this.outputs = storeAndForward({
      gateway,
      tsdb: resolveTsdbConfig({ url: opts.influxUrl, database: 'bench', flushIntervalMs: 200, queue: { path: join(opts.dataDir, 'influx.sqlite') } }),
      uplink: resolveUplinkConfig({ url: opts.mqttUrl, summaryPeriodMs: 5000, outbox: { path: join(opts.dataDir, 'outbox.sqlite') } }, 'uplink', {}),
    }, (err) => this.error(err.message));
    for (const d of this.devices) {
      d.onSamples((b) => this.onBatch(b));
    }
  }

  async start(): Promise<void> {
    await this.outputs.start();
    await Promise.all(this.devices.map((d) => d.start()));
  }

  /** Resolves once the model is fitted and scoring (warm-up over). */
  get ready(): boolean {
    return this.batcher !== undefined;
  }

  /** True while the asset's detector has an alert open (a fault injected then would open no new alert). */
  isAlerting(asset: string): boolean {
    return this.alerting.has(asset);
  }

  async stop(): Promise<void> {
    await Promise.all(this.devices.map((d) => d.stop()));
    this.batcher?.close();
    await this.fitting;
    await this.outputs.stop();
    await this.scorer?.dispose();
  }

  private error(msg: string): void {
    if (this.counters.errors.length < 20) this.counters.errors.push(msg);
  }

  private onBatch(b: SampleBatch): void {
    const c = this.counters;
    let n = 0;
    for (const k in b.values) if (b.quality[k].status === 'good') n++;
    c.values += n;
    c.batches++;
    c.bytesIn += 9 * Math.ceil(n / 62) + 4 * n;
    c.ages.push(Date.now() - b.ts);
    this.outputs.accept(b).catch((e: Error) => this.error(`samples of ${b.asset}: ${e.message}`));
    const frame = this.features.apply(b);
    if (frame) this.onFrame(frame);
  }

  private onFrame(f: FeatureFrame): void {
    this.counters.frames++;
    if (!this.batcher) {
      if (!this.fitting) {
        this.warmup.push(f.vector!);
        if (this.warmup.length >= this.opts.warmupWindows * this.opts.assets) this.fitting = this.fit();
      }
      return;
    }
    const row = Float32Array.from(f.vector!);
    this.batcher.score(row, 1).then(({ score }) => {
      this.counters.scored++;
      let det = this.detectors.get(f.asset);
      if (!det) this.detectors.set(f.asset, det = new AssetDetector(f.asset, { threshold: this.threshold, closeRatio: 0.7 }));
      const d = det.update(f.ts, score[0]);
      if (d.anomalous) this.alerting.add(f.asset);
      else this.alerting.delete(f.asset);
      const out: Record<string, unknown> = { asset: f.asset, ts: f.ts, features: f.features, score: score[0], threshold: this.threshold };
      if (d.alert) {
        out.alert = d.alert;
        if (d.alert.kind === 'open') this.counters.alerts++;
      }
      return this.outputs.accept(out);
    }).catch((e: Error) => this.error(`score of ${f.asset}: ${e.message}`));
  }

  private async fit(): Promise<void> {
    const rows = this.warmup.length;
    const n = this.warmup[0].length;
    const X = new Float64Array(rows * n);
    this.warmup.forEach((r, i) => X.set(r, i * n));
    const model = await fitModel('pca', X, rows, n);
    const scorer = await OnnxScorer.create(toOnnx(model));
    const { score } = await scorer.run(Float32Array.from(X), rows);
    // Twice the largest normal score: the bench measures the path, not the model's sensitivity.
    this.threshold = 2 * Math.max(...score);
    this.scorer = scorer;
    this.batcher = new BatchScorer(scorer, { maxBatch: 256, maxWaitMs: 2 });
  }
}
