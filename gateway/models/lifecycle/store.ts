/**
 * ModelLifecycle: versions on disk under `<dataDir>/models/versions/<id>`, the active one and the history for
 * rollback in `state.json` (written atomically), and the ActiveModel hosts score through. A bundle is verified
 * (signature, hashes, asset inputs) before it is stored and again before it is activated; a refusal never touches
 * the active model. Every change is an audit event.
 */
import { randomUUID } from 'node:crypto';
import { cp, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { KeyObject } from 'node:crypto';
import type { ModelManifest } from '../manifest.ts';
import { OnnxScorer } from '../scorer.ts';
import { ActiveModel, type ModelSlot, type ShadowReport } from './active-model.ts';
import { emitAudit, type AuditAction, type AuditEvent, type AuditSink } from './audit.ts';
import { checkInputs, ModelRefusedError, verifyBundle, type InputExpectation } from './signing.ts';

export type LifecycleErrorCode = 'unknown-version' | 'no-previous' | 'bad-upload';

export class LifecycleError extends Error {
  override readonly name = 'LifecycleError';
  readonly code: LifecycleErrorCode;
  constructor(code: LifecycleErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

export interface ModelLifecycleOptions {
  /** Store root, normally `<dataDir>/models`. */
  dir: string;
  /** Ed25519 public key bundles must be signed with; without one every bundle is refused. */
  publicKey?: KeyObject;
  /** The inputs a model must take (the asset's features); undefined: no input check. */
  expectInputs?: (m: ModelManifest) => InputExpectation | undefined;
  audit?: AuditSink[];
  /** Score with the int8 variant. */
  int8?: boolean;
  /** Default shadow period of activate(): rows scored by both, and the agreement needed to promote. */
  shadow?: ShadowPolicy;
  onError?: (err: Error) => void;
  now?: () => number;
}

export interface ShadowPolicy {
  rows: number;
  minAgreement: number;
}

export interface ModelVersion {
  id: string;
  name: string;
  version: string;
  family: ModelManifest['family'];
  created: string;
  inputs: string[];
  threshold: number;
  active: boolean;
  shadow: boolean;
}

interface State {
  active: string | null;
  /** Previously active ids, most recent last: rollback pops it. */
  history: string[];
}

const FILE_NAME = /^[A-Za-z0-9_.-]+$/;
export const versionId = (m: ModelManifest): string => `${m.name}-v${m.version.replace(/[^A-Za-z0-9_.-]/g, '_')}`;

export class ModelLifecycle {
  readonly active: ActiveModel;
  readonly #o: ModelLifecycleOptions;
  readonly #audit: AuditSink[];
  #state: State = { active: null, history: [] };
  #shadowPolicy?: ShadowPolicy;
  /** Serialises changes: two activations at once must not interleave their state writes. */
  #chain: Promise<unknown> = Promise.resolve();

  constructor(opts: ModelLifecycleOptions) {
    this.#o = opts;
    this.#audit = [...(opts.audit ?? [])];
    this.active = new ActiveModel({ onShadowRows: (r) => void this.#serial(() => this.#shadowProgress(r)).catch((e: Error) => this.#error(e)) });
  }

  get versionsDir(): string {
    return join(this.#o.dir, 'versions');
  }

  addAuditSink(sink: AuditSink): void {
    this.#audit.push(sink);
  }

  /** Loads state.json and re-activates the version that was active (verified again); a failure is reported, not thrown. */
  async open(): Promise<void> {
    await mkdir(this.versionsDir, { recursive: true });
    try {
      this.#state = JSON.parse(await readFile(join(this.#o.dir, 'state.json'), 'utf8')) as State;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.#error(new Error(`model store ${this.#o.dir}/state.json: ${(err as Error).message}; starting with no active model`));
    }
    if (this.#state.active) {
      try {
        await this.active.swap(await this.#load(this.#state.active));
      } catch (err) {
        this.#error(new Error(`model ${this.#state.active}: not re-activated at start: ${(err as Error).message}`));
      }
    }
  }

  async list(): Promise<ModelVersion[]> {
    const ids = (await readdir(this.versionsDir).catch(() => [] as string[])).filter((d) => !d.startsWith('.')).sort();
    const out: ModelVersion[] = [];
    for (const id of ids) {
      const m = await this.#manifest(id).catch(() => undefined);
      if (!m) continue;
      out.push({
        id, name: m.name, version: m.version, family: m.family, created: m.created, inputs: m.inputs.names,
        threshold: this.#o.int8 ? (m.threshold.int8Value ?? m.threshold.value) : m.threshold.value,
        active: this.active.current?.id === id, shadow: this.active.shadowSlot?.id === id,
      });
    }
    return out;
  }

  /** Verifies a bundle directory and stores it as a new version (not activated). Returns its id. */
  install(bundleDir: string, source = bundleDir): Promise<string> {
    return this.#serial(() => this.#install(bundleDir, source));
  }

  /** install() for uploaded files: `{ "<name>.manifest.json": bytes, "<name>.onnx": bytes, … }`. */
  async installFiles(files: Record<string, Uint8Array>, source = 'upload'): Promise<string> {
    for (const name of Object.keys(files)) {
      if (!FILE_NAME.test(name)) throw new LifecycleError('bad-upload', `upload: file name ${JSON.stringify(name)} must be a plain name (letters, digits, _ . -)`);
    }
    const tmp = join(this.#o.dir, '.incoming', randomUUID());
    await mkdir(tmp, { recursive: true });
    try {
      await Promise.all(Object.entries(files).map(([name, bytes]) => writeFile(join(tmp, name), bytes)));
      return await this.install(tmp, source);
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }

  /** Activates a stored version (after verifying it again). With a shadow policy and a current model, it shadows first. */
  activate(id: string, opts: { shadow?: ShadowPolicy | false } = {}): Promise<ModelVersion['id']> {
    return this.#serial(async () => {
      const slot = await this.#loadOrRefuse(id, 'activate');
      const policy = opts.shadow === false ? undefined : (opts.shadow ?? this.#o.shadow);
      if (policy && this.active.current) {
        this.#shadowPolicy = policy;
        await this.active.startShadow(slot);
        await this.#emit('shadow-started', { modelId: id, previousId: this.active.current.id, message: `model ${id} scores in shadow of ${this.active.current.id} for ${policy.rows} rows (promotion needs ${(policy.minAgreement * 100).toFixed(1)} % agreement)` });
        return id;
      }
      await this.#promote(slot, 'activated');
      return id;
    });
  }

  /** Returns to the previously active version. */
  rollback(): Promise<string> {
    return this.#serial(async () => {
      const previous = this.#state.history.at(-1);
      if (!previous) throw new LifecycleError('no-previous', 'rollback: no previously active model version');
      const slot = await this.#loadOrRefuse(previous, 'roll back to');
      const from = this.active.current?.id;
      this.#state = { active: previous, history: this.#state.history.slice(0, -1) };
      await this.#saveState();
      await this.active.swap(slot);
      await this.#emit('rolled-back', { modelId: previous, previousId: from, message: `rolled back from ${from ?? 'none'} to ${previous}` });
      return previous;
    });
  }

  /** Resolves when every queued change (including a shadow promotion a run triggered) is done. */
  async idle(): Promise<void> {
    await this.#chain.catch(() => {});
  }

  shadowReport(): ShadowReport | undefined {
    return this.active.shadowReport();
  }

  async close(): Promise<void> {
    await this.#chain.catch(() => {});
    await this.active.close();
  }

  async #install(bundleDir: string, source: string): Promise<string> {
    let bundle;
    try {
      bundle = await verifyBundle(bundleDir, this.#o.publicKey);
      const expect = this.#o.expectInputs?.(bundle.manifest);
      if (expect) checkInputs(bundle.manifest, expect);
    } catch (err) {
      if (err instanceof ModelRefusedError) await this.#emit('refused', { reason: err.reason, source, message: `refused ${source}: ${err.message}` });
      throw err;
    }
    const id = versionId(bundle.manifest);
    const target = join(this.versionsDir, id);
    const existing = await this.#manifest(id).catch(() => undefined);
    if (existing) {
      if (existing.signature === bundle.manifest.signature) return id; // the same bundle again: nothing to do
      const err = new ModelRefusedError('version-exists', `model ${bundle.manifest.name} v${bundle.manifest.version}: version ${id} is already installed with other content; give the new bundle another version`);
      await this.#emit('refused', { reason: err.reason, modelId: id, source, message: `refused ${source}: ${err.message}` });
      throw err;
    }
    // Copy to a temporary name, verify the copy (not the source, which may change), then rename into place.
    const tmp = join(this.versionsDir, `.${id}.${randomUUID()}`);
    await mkdir(tmp, { recursive: true });
    try {
      const files = [basename(bundle.manifestPath), ...Object.values(bundle.manifest.files).map((f) => f.path)];
      for (const f of files) await cp(join(dirname(bundle.manifestPath), f), join(tmp, f));
      await verifyBundle(tmp, this.#o.publicKey);
      await rename(tmp, target);
    } catch (err) {
      await rm(tmp, { recursive: true, force: true });
      throw err;
    }
    await this.#emit('installed', { modelId: id, source, message: `installed ${id} (${bundle.manifest.family}, ${bundle.manifest.inputs.count} inputs) from ${source}` });
    return id;
  }

  async #promote(slot: ModelSlot, action: 'activated' | 'promoted', extra: Partial<AuditEvent> = {}): Promise<void> {
    const from = this.active.current?.id;
    const history = from && from !== slot.id ? [...this.#state.history, from] : this.#state.history;
    this.#state = { active: slot.id, history };
    await this.#saveState();
    await this.active.swap(slot);
    await this.#emit(action, { modelId: slot.id, previousId: from, ...extra, message: `${action} ${slot.id}${from ? ` (was ${from})` : ''}${extra.agreement === undefined ? '' : ` after shadow agreement ${(extra.agreement * 100).toFixed(1)} % on ${extra.rows} rows`}` });
  }

  async #shadowProgress(r: ShadowReport): Promise<void> {
    const policy = this.#shadowPolicy;
    const candidate = this.active.shadowSlot;
    if (!policy || !candidate || candidate.id !== r.modelId || r.rows < policy.rows) return;
    this.#shadowPolicy = undefined;
    await this.#emit('shadow-report', { modelId: r.modelId, agreement: r.agreement, rows: r.rows, message: `shadow ${r.modelId}: ${r.agreed} of ${r.rows} rows agree (${(r.agreement * 100).toFixed(1)} %)` });
    if (r.agreement >= policy.minAgreement) {
      await this.#promote(candidate, 'promoted', { agreement: r.agreement, rows: r.rows });
    } else {
      await this.active.stopShadow();
      await this.#emit('shadow-rejected', { modelId: r.modelId, agreement: r.agreement, rows: r.rows, message: `shadow ${r.modelId} not promoted: agreement ${(r.agreement * 100).toFixed(1)} % below ${(policy.minAgreement * 100).toFixed(1)} %; ${this.active.current?.id} stays active` });
    }
  }

  async #loadOrRefuse(id: string, what: string): Promise<ModelSlot> {
    try {
      return await this.#load(id);
    } catch (err) {
      if (err instanceof ModelRefusedError) await this.#emit('refused', { modelId: id, reason: err.reason, message: `refused to ${what} ${id}: ${err.message}` });
      throw err;
    }
  }

  async #load(id: string): Promise<ModelSlot> {
    const dir = join(this.versionsDir, id);
    if (!FILE_NAME.test(id) || !(await this.#manifest(id).catch(() => undefined))) throw new LifecycleError('unknown-version', `model version ${JSON.stringify(id)} is not installed`);
    const b = await verifyBundle(dir, this.#o.publicKey);
    const expect = this.#o.expectInputs?.(b.manifest);
    if (expect) checkInputs(b.manifest, expect);
    const m = b.manifest;
    const int8 = this.#o.int8 ?? false;
    const scorer = await OnnxScorer.create(int8 ? b.int8Bytes : b.floatBytes, { expectInputs: m.inputs.count });
    return { id, scorer, manifest: m, inputNames: m.inputs.names, threshold: int8 ? (m.threshold.int8Value ?? m.threshold.value) : m.threshold.value };
  }

  async #manifest(id: string): Promise<ModelManifest> {
    const dir = join(this.versionsDir, id);
    const file = (await readdir(dir)).find((f) => f.endsWith('.manifest.json'));
    if (!file) throw new Error(`${dir}: no manifest`);
    return JSON.parse(await readFile(join(dir, file), 'utf8')) as ModelManifest;
  }

  async #saveState(): Promise<void> {
    const path = join(this.#o.dir, 'state.json');
    await writeFile(`${path}.tmp`, `${JSON.stringify(this.#state, null, 2)}\n`);
    await rename(`${path}.tmp`, path);
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.#chain.then(fn, fn);
    this.#chain = next.catch(() => {});
    return next;
  }

  async #emit(action: AuditAction, e: Omit<AuditEvent, 'ts' | 'action'>): Promise<void> {
    await emitAudit(this.#audit, { ts: (this.#o.now ?? Date.now)(), action, ...e }, (err) => this.#error(err));
  }

  #error(err: Error): void {
    if (this.#o.onError) this.#o.onError(err);
    else process.emitWarning(err.message);
  }
}
