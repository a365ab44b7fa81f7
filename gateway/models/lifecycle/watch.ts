/**
 * DropWatcher: bundles dropped into a directory (each a sub-directory holding a manifest and its files) are
 * installed — and activated, unless told not to — once the directory has been quiet for `debounceMs` (a copy
 * arrives as many events). An accepted bundle is removed from the drop directory; a refused one moves to
 * `refused/<name>` with a `<name>.reason.txt` beside it, so it is not retried and an operator sees why.
 * Entries are looked at with lstat: a symbolic link (to a directory elsewhere) is refused, never followed, and the
 * bundle's own files are opened without following links (the store's directory source).
 */
import { watch, type FSWatcher } from 'node:fs';
import { lstat, mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ModelRefusedError } from '../refusal.ts';
import type { ModelLifecycle } from './store.ts';

export interface DropWatcherOptions {
  dir: string;
  lifecycle: ModelLifecycle;
  /** Activate each installed bundle (default true). */
  activate?: boolean;
  debounceMs?: number;
  /** Called after each bundle: its id, or the error that refused it. */
  onResult?: (entry: string, result: { id: string } | { error: Error }) => void;
  /** A scan that failed outside any one bundle (the drop directory unusable); default: a process warning. */
  onError?: (err: Error) => void;
}

export class DropWatcher {
  readonly #o: DropWatcherOptions;
  #watcher?: FSWatcher;
  #timer?: NodeJS.Timeout;
  #scanning: Promise<void> = Promise.resolve();
  #again = false;

  constructor(opts: DropWatcherOptions) {
    this.#o = opts;
  }

  /** Watches the directory and scans what is already there. */
  async start(): Promise<void> {
    await mkdir(this.#o.dir, { recursive: true });
    this.#watcher = watch(this.#o.dir, { persistent: false }, () => this.#kick());
    this.#watcher.on('error', () => {}); // the directory removed under us: nothing more to watch
    await this.scan();
  }

  async stop(): Promise<void> {
    clearTimeout(this.#timer);
    this.#watcher?.close();
    this.#watcher = undefined;
    await this.#scanning;
  }

  /** Processes every bundle directory in the drop directory now; concurrent calls run one after another. Never rejects. */
  scan(): Promise<void> {
    this.#scanning = this.#scanning.then(() => this.#scanOnce()).catch((err: Error) => {
      if (this.#o.onError) this.#o.onError(err);
      else process.emitWarning(`model drop directory: ${err.message}`);
    });
    return this.#scanning;
  }

  #kick(): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.scan(), this.#o.debounceMs ?? 500);
  }

  async #scanOnce(): Promise<void> {
    const entries = await readdir(this.#o.dir).catch(() => [] as string[]);
    for (const entry of entries) {
      if (entry === 'refused' || entry.startsWith('.')) continue;
      const path = join(this.#o.dir, entry);
      const info = await lstat(path).catch(() => undefined);
      if (!info || !(info.isDirectory() || info.isSymbolicLink())) continue;
      try {
        if (info.isSymbolicLink()) throw new ModelRefusedError('not-a-file', `drop/${entry} is a symbolic link; drop a bundle directory itself`);
        const id = await this.#o.lifecycle.install(path, `drop/${entry}`);
        if (this.#o.activate ?? true) await this.#o.lifecycle.activate(id);
        await rm(path, { recursive: true, force: true });
        this.#o.onResult?.(entry, { id });
      } catch (err) {
        await this.#setAside(entry, err as Error);
        this.#o.onResult?.(entry, { error: err as Error });
      }
    }
  }

  /** Moves a refused entry to refused/ with its reason; neither refused/ nor the reason file is followed if a link. */
  async #setAside(entry: string, err: Error): Promise<void> {
    const refused = join(this.#o.dir, 'refused');
    const info = await lstat(refused).catch(() => undefined);
    if (info && !info.isDirectory()) await rm(refused, { force: true });
    await mkdir(refused, { recursive: true });
    await rm(join(refused, entry), { recursive: true, force: true });
    await rename(join(this.#o.dir, entry), join(refused, entry)).catch(() => {});
    const reason = join(refused, `${entry}.reason.txt`);
    await rm(reason, { recursive: true, force: true });
    await writeFile(reason, `${err.message}\n`, { flag: 'wx' });
  }
}
