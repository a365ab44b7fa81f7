/**
 * telltale-model: a config node owning ONE onnxruntime session of a model bundle (float or int8 variant) and a
 * BatchScorer over it, so the windows of every asset and every anomaly-score node using it share one session.run.
 * A missing, corrupt or mismatched model is a precise error on the node and in the log; the flow keeps running.
 * With source "gateway" it opens nothing: it scores through the gateway's ActiveModel (RED.settings.telltale.models),
 * so an activation or rollback via the API or the drop directory swaps what the flow scores, batch by batch.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { packageRoot } from '../../gateway/core/package-root.ts';
import { BatchScorer, openModel, type OpenedModel } from '../../gateway/models/index.ts';
import type { ScoreResult } from '../../gateway/models/scorer.ts';
import type { NodeAPI, NodeDef, RedNode } from '../shared/red.ts';
import { gatewayModel } from './gateway-source.ts';

/** What scores rows for the users: a BatchScorer over a bundle, or the gateway's ActiveModel (which names its model). */
export interface ScoringBatch {
  score(X: Float32Array, nRows: number): Promise<ScoreResult & { modelId?: string }>;
}

/** What the users of a model node get once it has loaded. */
export interface LoadedModel {
  /** The bundle opened by this node (absent with source "gateway": the gateway's store owns the sessions). */
  opened?: OpenedModel;
  batch: ScoringBatch;
  inputNames: readonly string[];
  /** The variant's calibrated threshold from the manifest (undefined for a bare .onnx). */
  threshold: number | undefined;
  source: string;
  /** Withdraws what the node claimed from the gateway's store (source "gateway"). */
  release?: () => void;
}

export interface TelltaleModelNode extends RedNode {
  /** Resolves with the loaded model, or rejects with the reason it could not be loaded (never unhandled). */
  model: Promise<LoadedModel>;
  /** Set once loading failed: the message users show. */
  problem?: string;
}

/** A relative path is taken from the working directory, else from the package (so `models/skab-pca` works). */
export function resolveModelPath(path: string): string {
  if (isAbsolute(path)) return path;
  const fromCwd = resolve(path);
  return existsSync(fromCwd) ? fromCwd : resolve(packageRoot, path);
}

const num = (v: unknown, fallback: number) => (v === undefined || v === '' || v === null ? fallback : Number(v));

export default function (RED: NodeAPI): void {
  function TelltaleModelCtor(this: TelltaleModelNode, def: NodeDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const path = String(def.path ?? '').trim();
    const fromGateway = def.source === 'gateway';
    const where = `telltale-model "${def.name || (fromGateway ? 'gateway' : path) || def.id}"`;
    const int8 = def.int8 === true || def.int8 === 'true';
    let loaded: LoadedModel | undefined;
    let closed = false;
    node.model = (async () => {
      if (fromGateway) {
        const model = gatewayModel(RED.settings.telltale?.models, where, (m) => node.log(m), (m) => node.warn(m), node.id);
        loaded = model;
        return model;
      }
      if (path === '') throw new Error(`${where}: no model path set (a bundle directory, a *.manifest.json or a .onnx file)`);
      const maxBatch = num(def.maxBatch, 256);
      const maxWaitMs = num(def.maxWaitMs, 2);
      const opened = await openModel(resolveModelPath(path), { int8 });
      let batch: BatchScorer;
      try {
        batch = new BatchScorer(opened.scorer, { maxBatch, maxWaitMs });
      } catch (err) {
        await opened.scorer.dispose();
        throw err;
      }
      const model: LoadedModel = { opened, batch, inputNames: opened.inputNames, threshold: opened.threshold, source: path };
      if (closed) {
        // Closed while loading: release at once rather than leak the session.
        batch.close();
        await opened.scorer.dispose();
        throw new Error(`${where}: closed while loading`);
      }
      loaded = model;
      node.log(`${where}: loaded ${opened.manifest?.family ?? 'onnx'} ${int8 ? 'int8' : 'float'}, ${opened.inputNames.length} inputs, threshold ${opened.threshold ?? 'none'}`);
      return model;
    })().catch((err: Error) => {
      const msg = err.message.startsWith(where) ? err.message : `${where}: ${err.message}`;
      node.problem = msg;
      if (!closed) node.error(msg);
      throw new Error(msg);
    });
    node.model.catch(() => {}); // users observe it; this keeps an unused failed load from being "unhandled"
    node.on('close', (_removed, done) => {
      closed = true;
      const m = loaded;
      loaded = undefined;
      if (!m) return done();
      m.release?.();
      if (!m.opened) return done(); // the gateway's store owns its sessions
      (m.batch as BatchScorer).close();
      m.opened.scorer.dispose().catch((err: Error) => node.error(err)).finally(done);
    });
  }
  // Users read `model` off the config node; Node-RED itself only sees a RedNode.
  RED.nodes.registerType('telltale-model', TelltaleModelCtor as (this: RedNode, def: NodeDef) => void);
}
