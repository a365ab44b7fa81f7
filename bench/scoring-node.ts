/**
 * Scoring throughput through the anomaly-score node (Node-RED runtime via node-red-node-test-helper, telltale-model
 * config node, one shared session) against bare onnxruntime on the same model and rows: OnnxScorer at batch 1
 * (one await per row), and BatchScorer fed by many concurrent single-row callers (what the node does inside).
 * Windows of `assets` assets are pushed as fast as the runtime takes them; best of 3 rounds (shared machine).
 *   ./node_modules/.bin/node bench/scoring-node.ts [rows-per-round=20000] [assets=10] [bundle=models/skab-pca] [maxBatch=256]
 */
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { BatchScorer, openModel } from '../gateway/models/index.ts';
import anomalyScore from '../nodes/anomaly-score/anomaly-score.ts';
import model from '../nodes/model/model.ts';

const require = createRequire(import.meta.url);
const helper = require('node-red-node-test-helper') as {
  init(path: string, settings?: object): void;
  load(nodes: unknown[], flow: object[]): Promise<void>;
  unload(): Promise<void>;
  getNode(id: string): { receive(msg: object): void; on(ev: string, fn: (m: unknown) => void): void };
  startServer(): Promise<void>;
  stopServer(): Promise<void>;
  _sandbox: { restore(): void };
};

const ROWS = Number(process.argv[2] ?? 20_000);
const ASSETS = Number(process.argv[3] ?? 10);
const BUNDLE = process.argv[4] ?? 'models/skab-pca';
const MAX_BATCH = Number(process.argv[5] ?? 256);

const opened = await openModel(BUNDLE);
const names = opened.inputNames;
const n = names.length;
const mean = opened.manifest!.normalisation.mean as number[];
const std = opened.manifest!.normalisation.std as number[];
// Rows around the training distribution, fixed up front so every path scores the same values.
const X = new Float32Array(ROWS * n);
for (let r = 0; r < ROWS; r++) for (let j = 0; j < n; j++) X[r * n + j] = mean[j] + std[j] * Math.sin(r * 0.37 + j);

async function best(label: string, round: () => Promise<void>): Promise<number> {
  await round(); // warm-up
  let top = 0;
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    await round();
    top = Math.max(top, ROWS / ((performance.now() - t0) / 1000));
  }
  console.log(`${label.padEnd(52)} ${Math.round(top).toLocaleString('en').padStart(10)} rows/s`);
  return top;
}

console.log(`${BUNDLE}: ${n} inputs, ${ROWS} rows per round over ${ASSETS} assets, node ${process.version}, 1 intra-op thread`);
const bare1 = await best('bare OnnxScorer, batch 1 (await each row)', async () => {
  for (let r = 0; r < ROWS; r++) await opened.scorer.run(X.subarray(r * n, (r + 1) * n), 1);
});
const batch = new BatchScorer(opened.scorer, { maxBatch: MAX_BATCH, maxWaitMs: 2 });
const bareBatch = await best(`bare BatchScorer, ${ROWS} concurrent single rows`, async () => {
  const all: Promise<unknown>[] = [];
  for (let r = 0; r < ROWS; r++) all.push(batch.score(X.subarray(r * n, (r + 1) * n), 1));
  await Promise.all(all);
});
batch.close();
await opened.scorer.dispose();

// The node path: feature-window-shaped messages into anomaly-score, counted at a helper node behind it.
const messages = Array.from({ length: ROWS }, (_, r) => ({
  payload: { asset: `pump-${r % ASSETS}`, ts: 1_764_000_000_000 + r, features: Object.fromEntries(names.map((name, j) => [name, X[r * n + j]])) },
}));
helper.init(require.resolve('node-red'), { logging: { console: { level: 'error' } } });
await helper.startServer();
// The floor: what the same runtime costs per message for a node that only passes it on.
function passThrough(RED: { nodes: { createNode(n: object, d: object): void; registerType(t: string, c: unknown): void } }): void {
  RED.nodes.registerType('pass-through', function (this: { on(e: string, f: (m: object, send: (m: object) => void, done: () => void) => void): void }, def: object) {
    RED.nodes.createNode(this, def);
    this.on('input', (msg, send, done) => { send(msg); done(); });
  });
}
await helper.load([model, anomalyScore, passThrough], [
  { id: 'pt', type: 'pass-through', wires: [['out']] },
  { id: 'm', type: 'telltale-model', path: BUNDLE, maxBatch: MAX_BATCH, maxWaitMs: 2 },
  { id: 'as', type: 'anomaly-score', model: 'm', smoothing: 3, closeRatio: 0.7, driftReference: 0, wires: [['out'], [], []] },
  { id: 'out', type: 'helper' },
]);
// The helper wraps every node method in sinon spies that record each call; a host has none, so take them off.
helper._sandbox.restore();
let received = 0;
let wake: (() => void) | undefined;
helper.getNode('out').on('input', () => {
  if (++received === ROWS) wake?.();
});
const through = (id: string) => async () => {
  received = 0;
  const all = new Promise<void>((resolve) => { wake = resolve; });
  const node = helper.getNode(id);
  for (const m of messages) node.receive(m);
  await all;
};
const loaded = await (helper.getNode('m') as unknown as { model: Promise<{ batch: BatchScorer }> }).model;
// Floor and node rounds alternate, so a busy moment of the shared machine hits both alike.
const rounds = { floor: 0, node: 0 };
const before = { ...loaded.batch.stats };
await through('pt')();
await through('as')();
for (let i = 0; i < 5; i++) {
  for (const [key, id] of [['floor', 'pt'], ['node', 'as']] as const) {
    const t0 = performance.now();
    await through(id)();
    rounds[key] = Math.max(rounds[key], ROWS / ((performance.now() - t0) / 1000));
  }
}
const floor = rounds.floor;
const viaNode = rounds.node;
const row = (label: string, v: number) => console.log(`${label.padEnd(52)} ${Math.round(v).toLocaleString('en').padStart(10)} rows/s`);
row('Node-RED floor: a pass-through node, same messages', floor);
row('anomaly-score node (detector, contributions, msgs)', viaNode);
const rows = loaded.batch.stats.rows - before.rows;
console.log(`  node path: ${(rows / (loaded.batch.stats.batches - before.batches)).toFixed(0)} rows per session.run on average`);
await helper.unload();
await helper.stopServer();
const pct = (a: number, b: number) => `${(((b - a) / b) * 100).toFixed(1)} %`;
// Time per row adds up: node ≈ host floor + scoring + the node's own work; the last is the node's overhead.
const us = (rate: number) => 1e6 / rate;
const own = us(viaNode) - us(floor) - us(bareBatch);
console.log(`per row: node ${us(viaNode).toFixed(2)} µs = Node-RED floor ${us(floor).toFixed(2)} + batched scoring ${us(bareBatch).toFixed(2)} + node's own work ${own.toFixed(2)} µs`);
console.log(`node vs bare batch-1 OnnxScorer: ${(viaNode / bare1).toFixed(2)}× the rows/s (${pct(viaNode, bare1)} fewer); node's own work is ${((own / us(viaNode)) * 100).toFixed(0)} % of its time per row`);
