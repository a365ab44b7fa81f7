/**
 * Where a bundle's bytes come from: a directory on disk or the files of an upload held in memory. Both give out
 * only single path components, under a size cap, and a directory opens each file without following links
 * (O_NOFOLLOW) and without blocking on a FIFO (O_NONBLOCK), then checks with fstat that it is a regular file
 * before reading at most cap + 1 bytes. Refusals name the bundle's own file, never a host path.
 */
import { constants } from 'node:fs';
import { open, readdir, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { ModelRefusedError } from './refusal.ts';

/** A plain file name (an upload's file, a version id): letters, digits, _ . - (not first: a dot), no separator, at most 255 characters. */
export const PLAIN_FILE_NAME = '^[A-Za-z0-9_][A-Za-z0-9_.-]{0,254}$';
const PLAIN = new RegExp(PLAIN_FILE_NAME);
export const isPlainFileName = (s: unknown): boolean => typeof s === 'string' && PLAIN.test(s);

/** One path component: what a directory listing can hold (no separator, NUL, `.` or `..`). */
const isComponent = (s: string): boolean => s.length > 0 && s.length <= 255 && s !== '.' && s !== '..' && !/[/\\\0]/.test(s);

export interface BundleSource {
  /** The names in the bundle (to find its manifest). */
  names(): Promise<string[]>;
  /** The bytes of one file of the bundle; `what` names it in a refusal. */
  read(name: string, cap: number, what: string): Promise<Uint8Array>;
}

const MiB = 1024 * 1024;
/** The cap on each file of a bundle (and on an .onnx file opened by path). */
export const FILE_CAP_BYTES = 8 * MiB;
export const showBytes = (n: number): string => (n >= MiB && n % MiB === 0 ? `${n / MiB} MiB` : `${n} bytes`);
const tooLarge = (what: string, cap: number) => new ModelRefusedError('too-large', `${what} is larger than the ${showBytes(cap)} cap`);

function checkComponent(name: string, what: string): void {
  if (!isComponent(name)) throw new ModelRefusedError('unsafe-path', `${what} is not a file name inside the bundle`);
}

/** The files of a directory. `dir` itself is what the caller chose; every name below it is one component, never followed. */
export function directorySource(dir: string): BundleSource {
  return {
    names: async () => {
      try {
        return await readdir(dir);
      } catch (err) {
        throw new ModelRefusedError('invalid-bundle', `the bundle directory cannot be listed (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
      }
    },
    read: (name, cap, what) => {
      checkComponent(name, what);
      return readRegularFile(join(dir, name), cap, what, { follow: false });
    },
  };
}

/** The files of an upload, `{ name: bytes }`. */
export function memorySource(files: Readonly<Record<string, Uint8Array>>): BundleSource {
  return {
    names: async () => Object.keys(files),
    read: async (name, cap, what) => {
      checkComponent(name, what);
      if (!Object.hasOwn(files, name)) throw new ModelRefusedError('invalid-bundle', `${what} is missing from the upload`);
      const bytes = files[name];
      if (bytes.length > cap) throw tooLarge(what, cap);
      return bytes;
    },
  };
}

/**
 * Reads a regular file of at most `cap` bytes. `follow: false` refuses a symbolic link as the last component (the
 * default for anything a manifest names); `follow: true` is for a path a local user gave on purpose.
 */
export async function readRegularFile(path: string, cap: number, what: string, opts: { follow: boolean }): Promise<Uint8Array> {
  let fh: FileHandle;
  try {
    fh = await open(path, constants.O_RDONLY | constants.O_NONBLOCK | (opts.follow ? 0 : constants.O_NOFOLLOW));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') throw new ModelRefusedError('not-a-file', `${what} is a symbolic link, not a regular file`);
    if (code === 'ENOENT') throw new ModelRefusedError('invalid-bundle', `${what} is missing`);
    throw new ModelRefusedError('invalid-bundle', `${what} cannot be opened (${code ?? 'error'})`);
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new ModelRefusedError('not-a-file', `${what} is not a regular file`);
    if (st.size > cap) throw tooLarge(what, cap);
    // At most cap + 1 bytes, whatever the file does after fstat: one byte more than the cap says it grew past it.
    let buf = Buffer.allocUnsafe(st.size + 1);
    let n = 0;
    for (;;) {
      if (n === buf.length) {
        if (n > cap) break;
        const bigger = Buffer.allocUnsafe(Math.min(cap + 1, buf.length * 2));
        buf.copy(bigger, 0, 0, n);
        buf = bigger;
      }
      const { bytesRead } = await fh.read(buf, n, buf.length - n, n);
      if (bytesRead === 0) break;
      n += bytesRead;
    }
    if (n > cap) throw tooLarge(what, cap);
    return buf.subarray(0, n);
  } catch (err) {
    if (err instanceof ModelRefusedError) throw err;
    throw new ModelRefusedError('invalid-bundle', `${what} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  } finally {
    await fh.close().catch(() => {});
  }
}
