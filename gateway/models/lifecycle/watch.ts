/**
 * DropWatcher: bundles dropped into a directory (each a sub-directory holding a manifest and its files) are
 * installed — and activated, unless told not to — once the directory has been quiet for `debounceMs` (a copy
 * arrives as many events). An accepted bundle is removed from the drop directory; a refused one moves to
 * `refused/<name>` with a `<name>.reason.txt` beside it, so it is not retried and an operator sees why.
 */
import { watch, type FSWatcher } from 'node:fs';
import { mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ModelLifecycle } from './store.ts';

export interface DropWatcherOptions {
  dir: string;
  lifecycle: ModelLifecycle;
  /** Activate each installed bundle (default true). */
  activate?: boolean;
  debounceMs?: number;
  /** Called after each bundle: its id, or the error that refused it. */
  onResult?: (entry: string, result: { id: string } | { error: Error }) => void;
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

  /** Processes every bundle directory in the drop directory now; concurrent calls run one after another. */
  scan(): Promise<void> {
    this.#scanning = this.#scanning.then(() => this.#scanOnce());
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
      if (!(await stat(path).then((s) => s.isDirectory(), () => false))) continue;
      try {
        const id = await this.#o.lifecycle.install(path, `drop ${path}`);
        if (this.#o.activate ?? true) await this.#o.lifecycle.activate(id);
        await rm(path, { recursive: true, force: true });
        this.#o.onResult?.(entry, { id });
      } catch (err) {
        const refused = join(this.#o.dir, 'refused');
        await mkdir(refused, { recursive: true });
        await rm(join(refused, entry), { recursive: true, force: true });
        await rename(path, join(refused, entry)).catch(() => {});
        await writeFile(join(refused, `${entry}.reason.txt`), `${(err as Error).message}\n`);
        this.#o.onResult?.(entry, { error: err as Error });
      }
    }
  }
}
