/**
 * anomaly-score: scores feature windows with a shared model (telltale-model) or a baseline it learns per asset,
 * and turns the scores into alerts through one AssetDetector per asset.
 * In: msg.payload = { asset, ts, features: { "<tag>.<feature>": number } } (feature-window).
 * Out 1: { asset, ts, score, threshold, anomalous, contributions: [{ tag, feature, share }] } per window.
 * Out 2: alert events (open / update / close, id, top tags). Out 3: drift events (drift-start / drift-end).
 * In the gateway (RED.settings.telltale.latest) every score and alert is also recorded in LatestState for the API.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AssetDetector, type AlertEvent } from '../../gateway/detection/index.ts';
import type { ScoringBatch, TelltaleModelNode } from '../model/model.ts';
import type { LatestState } from '../../gateway/api/latest-state.ts';
import type { NodeAPI, NodeDef, NodeMessage, RedNode, NodeStatus } from '../shared/red.ts';
import { topContributions } from './contributions.ts';
import { DriftReference } from './drift-reference.ts';
import { AssetLearning, loadLearned, type AssetModel, type LearnSettings } from './learning.ts';
import { readSettings, type ScoreSettings } from './settings.ts';

interface WindowPayload {
  asset: string;
  ts: number;
  features: Record<string, number>;
  names?: string[];
}

/** One asset's state: where its scores come from, its detector and drift reference. */
interface AssetState {
  phase: 'waiting' | 'learning' | 'scoring' | 'failed';
  /** While waiting (its model loading, a fit running): settles when the phase changes; windows queue behind it. */
  waiting?: Promise<void>;
  queued: number;
  model?: AssetModel | SharedModel;
  learning?: AssetLearning;
  detector?: AssetDetector;
  drift?: DriftReference;
  row?: Float32Array;
  /** Reused per window while learning (the learner copies it). */
  learnRow?: Float64Array;
  problem?: string;
  /** The problem has been logged. */
  reported?: boolean;
}

type SharedModel = Omit<AssetModel, 'dispose' | 'path' | 'batch'> & { batch: ScoringBatch };
type Send = (msg: NodeMessage | NodeMessage[]) => void;
type Done = (err?: Error) => void;

/** Windows held per asset while its model loads or fits; beyond this they are dropped (with one warning). */
const MAX_QUEUED = 10_000;

function windowOf(payload: unknown): WindowPayload {
  const p = payload as Partial<WindowPayload> | null;
  if (!p || typeof p !== 'object') throw new Error('payload must be a feature window { asset, ts, features }');
  if (typeof p.asset !== 'string' || p.asset === '') throw new Error('payload.asset must be a non-empty string');
  if (typeof p.ts !== 'number' || !Number.isFinite(p.ts)) throw new Error(`asset "${p.asset}": payload.ts must be a number`);
  if (!p.features || typeof p.features !== 'object') throw new Error(`asset "${p.asset}": payload.features must be an object of feature → number`);
  return p as WindowPayload;
}

/** The window's features in the model's input order; names every feature the model needs and the window lacks. */
function fillRow(w: WindowPayload, names: readonly string[], row: Float32Array | Float64Array): void {
  let missing: string[] | undefined;
  for (let i = 0; i < names.length; i++) {
    const v = w.features[names[i]];
    if (typeof v !== 'number' || !Number.isFinite(v)) (missing ??= []).push(names[i]);
    else row[i] = v;
  }
  if (missing) {
    throw new Error(`asset "${w.asset}": the model needs ${missing.map((n) => `"${n}"`).join(', ')}, ` +
      `not a finite number in this window (it has ${Object.keys(w.features).slice(0, 8).join(', ')}${Object.keys(w.features).length > 8 ? ', …' : ''})`);
  }
}

export default function (RED: NodeAPI): void {
  function AnomalyScoreNode(this: RedNode, def: NodeDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const where = `anomaly-score "${def.name || def.id}"`;
    let settings: ScoreSettings;
    try {
      const userDir = typeof RED.settings.userDir === 'string' ? RED.settings.userDir : tmpdir();
      settings = readSettings(def, join(userDir, 'telltale-models'), where);
    } catch (err) {
      node.status({ fill: 'red', shape: 'ring', text: 'bad configuration' });
      node.error(err);
      return;
    }
    const modelNode = settings.modelId ? (RED.nodes.getNode(settings.modelId) as TelltaleModelNode | null) : null;
    const learn: LearnSettings | undefined = settings.learn;
    if (!modelNode && !learn) {
      node.status({ fill: 'red', shape: 'ring', text: 'model node missing' });
      node.error(`${where}: its telltale-model config node ${settings.modelId} is not in the flow: choose one, or tick "learn"`);
      return;
    }
    const assets = new Map<string, AssetState>();
    const latest = RED.settings.telltale?.latest;
    let closed = false;
    let lastStatus = '';
    let lastStatusAt = 0;
    const show = (st: NodeStatus, force = false) => {
      const key = `${st.fill}|${st.text}`;
      const now = Date.now();
      // Throttled: one status per 250 ms at most, unless the colour changes (an alert opened or closed).
      if (key === lastStatus || (!force && now - lastStatusAt < 250 && lastStatus.split('|')[0] === st.fill)) return;
      lastStatus = key;
      lastStatusAt = now;
      node.status(st);
    };

    let shared: Promise<SharedModel> | undefined;
    if (modelNode) {
      show({ fill: 'yellow', shape: 'ring', text: 'loading model' });
      shared = modelNode.model.then((m) => {
        const threshold = settings.threshold ?? m.threshold;
        if (threshold === undefined) throw new Error(`${where}: model ${m.source} has no threshold (a bare .onnx): set one on this node`);
        return { batch: m.batch, inputNames: m.inputNames, threshold };
      });
      shared.then(
        (m) => { if (!closed) show({ fill: 'green', shape: 'dot', text: `ready, thr ${m.threshold.toFixed(2)}` }, true); },
        (err: Error) => {
          if (closed) return;
          if (err.message.startsWith(where)) node.error(err.message); // the model node logs its own load errors
          show({ fill: 'red', shape: 'ring', text: err.message.replace(/^[\w-]+ "[^"]*": /, '').slice(0, 60) }, true);
        },
      );
    } else {
      show({ fill: 'grey', shape: 'ring', text: 'learning: waiting for windows' });
    }

    const startScoring = (st: AssetState, asset: string, model: AssetModel | SharedModel) => {
      if (closed) {
        if ('dispose' in model) void model.dispose();
        return;
      }
      st.model = model;
      st.row = new Float32Array(model.inputNames.length);
      st.detector = new AssetDetector(asset, {
        threshold: settings.threshold ?? model.threshold,
        smoothing: settings.smoothing,
        closeRatio: settings.closeRatio,
        minOpenWindows: settings.minOpenWindows,
        minCloseWindows: settings.minCloseWindows,
        topTags: settings.topK,
      });
      st.drift = new DriftReference(asset, model.inputNames, settings.drift);
      st.phase = 'scoring';
    };
    const fail = (st: AssetState, problem: string, text: string) => {
      st.phase = 'failed';
      st.problem = problem;
      st.reported = true;
      if (closed) return;
      node.error(problem);
      show({ fill: 'red', shape: 'ring', text }, true);
    };

    const stateOf = (w: WindowPayload): AssetState => {
      let st = assets.get(w.asset);
      if (st) return st;
      const s: AssetState = { phase: 'waiting', queued: 0 };
      assets.set(w.asset, s);
      if (shared) {
        s.waiting = shared.then((m) => startScoring(s, w.asset, m), (err: Error) => {
          s.phase = 'failed';
          s.problem = err.message;
        });
      } else if (learn) {
        const names = w.names ?? Object.keys(w.features);
        s.waiting = loadLearned(w.asset, learn).then(
          (m) => {
            if (m) {
              node.log(`${where}: asset "${w.asset}": scoring with the baseline learned earlier (${m.path})`);
              startScoring(s, w.asset, m);
            } else {
              s.learning = new AssetLearning(w.asset, names, learn);
              if (s.learning.extended) node.warn(`${where}: ${s.learning.extended}`);
              s.phase = 'learning';
            }
          },
          (err: Error) => fail(s, `${where}: asset "${w.asset}": cannot load its learned baseline: ${err.message}`, `${w.asset}: bad learned model`),
        );
      }
      return s;
    };

    const learnFrom = (st: AssetState, w: WindowPayload) => {
      const l = st.learning!;
      st.learnRow ??= new Float64Array(l.inputNames.length);
      fillRow(w, l.inputNames, st.learnRow);
      const state = l.add(st.learnRow, w.ts);
      if (state === 'extended') node.warn(`${where}: ${l.extended}`);
      // The API (and the demo's terminal) show how far learning is.
      if (latest) latest.update({ asset: w.asset, ts: w.ts, features: w.features, state: 'learning', learning: { progress: l.progress, fraction: l.fraction } });
      if (state !== 'ready') {
        show({ fill: 'blue', shape: 'ring', text: `learning ${l.progress}` });
        return;
      }
      st.phase = 'waiting';
      show({ fill: 'blue', shape: 'dot', text: `fitting ${w.asset}` }, true);
      st.waiting = l.fit().then(
        (m) => {
          node.log(`${where}: asset "${w.asset}": learned a ${learn!.family} baseline, threshold ${m.threshold}, saved in ${m.path}`);
          st.learning = undefined;
          startScoring(st, w.asset, m);
          show({ fill: 'green', shape: 'dot', text: 'scoring' }, true);
        },
        (err: Error) => fail(st, `${where}: asset "${w.asset}": learning failed: ${err.message}`, `${w.asset}: learning failed`),
      );
    };

    let dropWarned = false;
    const handle = (st: AssetState, w: WindowPayload, msg: NodeMessage, send: Send, done: Done): void => {
      if (closed) return done();
      switch (st.phase) {
        case 'failed':
          // Reported once per asset (its first window after the failure, or fail() itself); later windows are
          // dropped quietly under the red status rather than flooding the log at the window rate.
          if (st.reported) return done();
          st.reported = true;
          return done(new Error(st.problem));
        case 'learning':
          try {
            learnFrom(st, w);
            return done();
          } catch (err) {
            const m = (err as Error).message;
            return done(new Error(`${where}: ${m.startsWith('asset "') ? m : `asset "${w.asset}": ${m}`}`));
          }
        case 'waiting':
          if (st.queued >= MAX_QUEUED) {
            if (!dropWarned) node.warn(`${where}: asset "${w.asset}": more than ${MAX_QUEUED} windows wait for its model; dropping windows until it is ready`);
            dropWarned = true;
            return done();
          }
          st.queued++;
          st.waiting = st.waiting!.then(() => {
            st.queued--;
            handle(st, w, msg, send, done);
          });
          return;
        case 'scoring':
          return score(st, w, msg, send, done);
      }
    };

    const score = (st: AssetState, w: WindowPayload, msg: NodeMessage, send: Send, done: Done): void => {
      try {
        fillRow(w, st.model!.inputNames, st.row!);
      } catch (err) {
        return done(err as Error);
      }
      const { model, detector, drift } = st as Required<AssetState>;
      // The row buffer is reused by the next window before this one resolves: drift needs its own copy.
      const features = settings.drift.reference > 0 ? st.row!.slice() : st.row!;
      (model.batch as ScoringBatch).score(st.row!, 1).then(
        ({ score: raw, contributions, modelId }) => {
          const d = detector.update(w.ts, raw[0], { names: model.inputNames, values: contributions });
          const payload = {
            asset: w.asset,
            ts: w.ts,
            score: d.score,
            rawScore: raw[0],
            threshold: d.threshold,
            anomalous: d.anomalous,
            contributions: topContributions(model.inputNames, contributions, settings.topK),
            ...(modelId === undefined ? {} : { modelId }),
          };
          if (latest) record(latest, w, d.score, d.threshold, d.anomalous, modelId, d.alert);
          const driftEvents = drift.push(w.ts, d.score, features);
          send([
            { ...msg, topic: w.asset, payload },
            d.alert ? { topic: w.asset, payload: d.alert } : null,
            driftEvents ? driftEvents.map((e) => ({ topic: w.asset, payload: e })) : null,
          ] as NodeMessage[]);
          // Checked before the text is built: at tens of thousands of windows a second, most never reach the status.
          if (d.alert !== undefined || Date.now() - lastStatusAt >= 250) {
            show(d.anomalous
              ? { fill: 'red', shape: 'dot', text: `${w.asset} score ${d.score.toFixed(2)} / thr ${d.threshold.toFixed(2)}` }
              : { fill: 'green', shape: 'dot', text: `score ${d.score.toFixed(2)} / thr ${d.threshold.toFixed(2)}` }, true);
          }
          done();
        },
        (err: Error) => done(new Error(`${where}: asset "${w.asset}": scoring failed: ${err.message}`)),
      );
    };

    node.on('input', (msg, send, done) => {
      let w: WindowPayload;
      try {
        w = windowOf(msg.payload);
      } catch (err) {
        return done(err as Error);
      }
      handle(stateOf(w), w, msg, send, done);
    });

    node.on('close', (_removed, done) => {
      closed = true;
      const own = [...assets.values()].map((s) => s.model).filter((m): m is AssetModel => m !== undefined && 'dispose' in m);
      assets.clear();
      Promise.all(own.map((m) => m.dispose())).catch((err: Error) => node.error(err)).finally(done);
    });
  }
  RED.nodes.registerType('anomaly-score', AnomalyScoreNode);
}

/** What the API shows: the asset's latest window and score, and the alert's lifecycle (one entry per alert id). */
function record(latest: LatestState, w: WindowPayload, score: number, threshold: number, anomalous: boolean, modelId: string | undefined, alert: AlertEvent | undefined): void {
  latest.update({ asset: w.asset, ts: w.ts, features: w.features, score, threshold, state: anomalous ? 'alert' : 'normal', learning: undefined, ...(modelId === undefined ? {} : { modelId }) });
  if (!alert) return;
  const top = alert.topTags.map((t) => t.tag).join(', ');
  latest.alert({
    id: alert.id, asset: alert.asset, ts: alert.ts, kind: alert.kind, score: alert.score,
    message: `${alert.asset}: score ${alert.score.toFixed(2)} (peak ${alert.peak.toFixed(2)}) / threshold ${alert.threshold.toFixed(2)}${top ? `; top tags ${top}` : ''}`,
  });
}
