/**
 * ModelLifecycle: versions on disk under `<dataDir>/models/versions/<id>`, the active one and the history for
 * rollback in `state.json` (written atomically), and the ActiveModel hosts score through. A bundle is verified
 * (signature, hashes, asset inputs) before it is stored and again before it is activated; a refusal never touches
 * the active model. Every change is an audit event.
 */
import { randomUUID } from 'node:crypto';
import { lstat, mkdir, open as openFile, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { KeyObject } from 'node:crypto';
import { directorySource, isPlainFileName, memorySource, readRegularFile, type BundleSource } from '../bundle-source.ts';
import { loadManifest, type LoadedBundle, type ModelManifest } from '../manifest.ts';
import { OnnxScorer } from '../scorer.ts';
import { ActiveModel, type ModelSlot, type ShadowReport } from './active-model.ts';
import { emitAudit, type AuditAction, type AuditEvent, type AuditSink } from './audit.ts';
import { checkInputs, ModelRefusedError, verifyBundle, verifySource, type InputExpectation } from './signing.ts';

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

/** state.json is a few ids: anything larger is not ours. */
const STATE_MAX_BYTES = 64 * 1024;
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

  /**
   * Removes what an interrupted install left (`.incoming/`, `versions/.<id>.<uuid>` and `state.json.tmp`), loads
   * state.json and re-activates the version that was active (verified again); a failure is reported, not thrown.
   */
  async open(): Promise<void> {
    await mkdir(this.versionsDir, { recursive: true });
    const stale = (await readdir(this.versionsDir)).filter((d) => d.startsWith('.')).map((d) => join(this.versionsDir, d));
    for (const p of [join(this.#o.dir, '.incoming'), join(this.#o.dir, 'state.json.tmp'), ...stale]) {
      await rm(p, { recursive: true, force: true }).catch((err: Error) => this.#error(new Error(`model store: cannot remove a leftover of an interrupted install (${(err as NodeJS.ErrnoException).code ?? err.message})`)));
    }
    const statePath = join(this.#o.dir, 'state.json');
    if (await lstat(statePath).then(() => true, () => false)) {
      try {
        const bytes = await readRegularFile(statePath, STATE_MAX_BYTES, 'state.json', { follow: false });
        this.#state = parseState(JSON.parse(Buffer.from(bytes).toString('utf8')));
      } catch (err) {
        this.#error(new Error(`model store state.json: ${(err as Error).message}; starting with no active model`));
      }
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
  install(bundleDir: string, source = 'a bundle directory'): Promise<string> {
    return this.#serial(() => this.#install(directorySource(bundleDir), source));
  }

  /**
   * install() for uploaded files: `{ "<name>.manifest.json": bytes, "<name>.onnx": bytes, … }`. Verified in memory:
   * nothing is written until the bundle is accepted, and then only the verified bytes of the files its manifest names.
   */
  async installFiles(files: Record<string, Uint8Array>, source = 'upload'): Promise<string> {
    for (const name of Object.keys(files)) {
      if (!isPlainFileName(name)) throw new LifecycleError('bad-upload', `upload: file name ${JSON.stringify(name.slice(0, 130))} must be a plain name (letters, digits, _ . -, not starting with a dot)`);
    }
    const copy: Record<string, Uint8Array> = Object.create(null) as Record<string, Uint8Array>;
    for (const [name, bytes] of Object.entries(files)) copy[name] = bytes;
    return this.#serial(() => this.#install(memorySource(copy), source));
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

  async #install(src: BundleSource, source: string): Promise<string> {
    let bundle: LoadedBundle;
    try {
      bundle = await verifySource(src, this.#o.publicKey);
      const expect = this.#o.expectInputs?.(bundle.manifest);
      if (expect) checkInputs(bundle.manifest, expect);
    } catch (err) {
      if (err instanceof ModelRefusedError) await this.#emit('refused', { reason: err.reason, source, message: `refused ${source}: ${err.message}` });
      throw err;
    }
    const m = bundle.manifest;
    const id = versionId(m);
    const target = join(this.versionsDir, id);
    const existing = await this.#manifest(id).catch(() => undefined);
    if (existing) {
      if (existing.signature === m.signature) return id; // the same bundle again: nothing to do
      const err = new ModelRefusedError('version-exists', `model ${m.name} v${m.version}: version ${id} is already installed with other content; give the new bundle another version`);
      await this.#emit('refused', { reason: err.reason, modelId: id, source, message: `refused ${source}: ${err.message}` });
      throw err;
    }
    // Write the verified bytes (not a second read of the source, which may change) under a temporary name,
    // durably, verify what was written, then rename into place.
    const tmp = join(this.versionsDir, `.${id}.${randomUUID()}`);
    try {
      await mkdir(tmp);
      const files: [string, Uint8Array | undefined][] = [
        [`${m.name}.manifest.json`, bundle.manifestBytes], [m.files.float.path, bundle.floatBytes],
        [m.files.int8.path, bundle.int8Bytes], ...(m.files.params ? [[m.files.params.path, bundle.paramsBytes] as [string, Uint8Array | undefined]] : []),
      ];
      for (const [name, bytes] of files) await writeDurably(join(tmp, name), bytes!);
      await syncDir(tmp);
      await verifyBundle(tmp, this.#o.publicKey);
      await rename(tmp, target);
      await syncDir(this.versionsDir);
    } catch (err) {
      await rm(tmp, { recursive: true, force: true }).catch(() => {});
      throw err;
    }
    await this.#emit('installed', { modelId: id, source, message: `installed ${id} (${m.family}, ${m.inputs.count} inputs) from ${source}` });
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
    if (!isPlainFileName(id) || !(await this.#manifest(id).catch(() => undefined))) throw new LifecycleError('unknown-version', `model version ${JSON.stringify(id)} is not installed`);
    const b = await verifyBundle(dir, this.#o.publicKey);
    const expect = this.#o.expectInputs?.(b.manifest);
    if (expect) checkInputs(b.manifest, expect);
    const m = b.manifest;
    const int8 = this.#o.int8 ?? false;
    const scorer = await OnnxScorer.create(int8 ? b.int8Bytes : b.floatBytes, { expectInputs: m.inputs.count });
    return { id, scorer, manifest: m, inputNames: m.inputs.names, threshold: int8 ? (m.threshold.int8Value ?? m.threshold.value) : m.threshold.value };
  }

  async #manifest(id: string): Promise<ModelManifest> {
    if (!isPlainFileName(id)) throw new Error(`model version ${JSON.stringify(id)}: not a version id`);
    return (await loadManifest(directorySource(join(this.versionsDir, id)))).manifest;
  }

  /** state.json: the tmp file written and fsynced, renamed into place, then the directory fsynced. */
  async #saveState(): Promise<void> {
    const path = join(this.#o.dir, 'state.json');
    await writeDurably(`${path}.tmp`, Buffer.from(`${JSON.stringify(this.#state, null, 2)}\n`));
    await rename(`${path}.tmp`, path);
    await syncDir(this.#o.dir);
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

/** Writes a new file (truncating one left over) and fsyncs it before it is closed. */
async function writeDurably(path: string, bytes: Uint8Array): Promise<void> {
  const fh = await openFile(path, 'w', 0o644);
  try {
    await fh.writeFile(bytes);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** fsync of a directory, so a rename into it survives a power cut. */
async function syncDir(dir: string): Promise<void> {
  const fh = await openFile(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

function parseState(raw: unknown): State {
  const s = raw as Partial<State> | null;
  const id = (v: unknown): v is string => typeof v === 'string' && isPlainFileName(v);
  if (!s || typeof s !== 'object' || !(s.active === null || id(s.active)) || !Array.isArray(s.history) || !s.history.every(id)) {
    throw new Error('not a model store state ({ active, history } of version ids)');
  }
  return { active: s.active, history: s.history };
}
