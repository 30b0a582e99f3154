// Writes a volume's payload (configMap, secret, downwardAPI, projected) so a reader never sees a
// half-updated set of files: the files live in a timestamped hidden directory, `..data` is a
// symlink to it, and each visible top-level name is a symlink through `..data`. An update writes
// a new directory and swaps `..data` with one rename(2), as upstream's AtomicWriter does.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Payload } from './types.js';

export const DATA_DIR_NAME = '..data';
const DATA_DIR_TMP_NAME = '..data_tmp';
const MAX_PATH_LENGTH = 4096;
const MAX_FILE_NAME_LENGTH = 255;

/** Why a payload path is unacceptable, or undefined when it is fine. */
export function validatePayloadPath(p: string): string | undefined {
  if (p === '') return 'must not be empty';
  if (p.length > MAX_PATH_LENGTH) return `must be at most ${MAX_PATH_LENGTH} characters`;
  if (path.isAbsolute(p)) return 'must be a relative path';
  const parts = p.split('/');
  for (const part of parts) {
    if (part.length > MAX_FILE_NAME_LENGTH) return `each element must be at most ${MAX_FILE_NAME_LENGTH} characters`;
    if (part === '..') return "must not contain '..'";
  }
  if (p.startsWith('..')) return "must not start with '..'";
  return undefined;
}

/** Cleans every path (drops "./" and doubled slashes) and rejects invalid ones. */
export function normalizePayload(payload: Payload): Payload {
  const out: Payload = new Map();
  for (const [p, file] of payload) {
    const err = validatePayloadPath(p);
    if (err) throw new Error(`invalid path ${JSON.stringify(p)}: ${err}`);
    const clean = path.posix.normalize(p).replace(/\/+$/, '');
    const err2 = validatePayloadPath(clean);
    if (err2 || clean === '.') throw new Error(`invalid path ${JSON.stringify(p)}: ${err2 ?? 'must name a file'}`);
    out.set(clean, file);
  }
  return out;
}

/** The names that appear directly in the volume directory: the first element of each path. */
export function visibleNames(paths: Iterable<string>): Set<string> {
  const names = new Set<string>();
  for (const p of paths) names.add(p.split('/', 1)[0]);
  return names;
}

/** Upstream's timestamped directory name, `..2006_01_02_15_04_05.`; mkdtemp adds the random tail. */
export function timestampDirPrefix(now: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `..${now.getUTCFullYear()}_${pad(now.getUTCMonth() + 1)}_${pad(now.getUTCDate())}_${pad(now.getUTCHours())}_${pad(now.getUTCMinutes())}_${pad(now.getUTCSeconds())}.`;
}

/** True when the payload differs from what is on disk (content, mode, or the set of paths). */
export function payloadDiffers(want: Payload, have: Payload): boolean {
  if (want.size !== have.size) return true;
  for (const [p, f] of want) {
    const h = have.get(p);
    if (!h || h.mode !== f.mode || !h.data.equals(f.data)) return true;
  }
  return false;
}

async function readTree(root: string, rel = '', out: Payload = new Map()): Promise<Payload> {
  const entries = await fs.readdir(path.join(root, rel), { withFileTypes: true });
  for (const e of entries) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) await readTree(root, r, out);
    else if (e.isFile()) {
      const full = path.join(root, r);
      const [data, st] = await Promise.all([fs.readFile(full), fs.stat(full)]);
      out.set(r, { data, mode: st.mode & 0o7777 });
    }
  }
  return out;
}

async function readLinkOrUndefined(p: string): Promise<string | undefined> {
  try {
    return await fs.readlink(p);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'EINVAL') return undefined;
    throw e;
  }
}

export interface AtomicWriteOptions {
  /** Group owner for every file and directory (the pod's fsGroup). */
  gid?: number;
  now?: Date;
}

/**
 * Makes targetDir show exactly payload. Returns true when something was written, false when the
 * volume already matched (the common case of a periodic resync).
 */
export async function writeAtomic(targetDir: string, rawPayload: Payload, opts: AtomicWriteOptions = {}): Promise<boolean> {
  const payload = normalizePayload(rawPayload);
  await fs.mkdir(targetDir, { recursive: true });
  const dataLink = path.join(targetDir, DATA_DIR_NAME);
  const oldTsName = await readLinkOrUndefined(dataLink);
  const oldTsDir = oldTsName ? path.join(targetDir, oldTsName) : undefined;
  let oldPayload: Payload = new Map();
  if (oldTsDir) {
    try {
      oldPayload = await readTree(oldTsDir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }
  const want = visibleNames(payload.keys());
  if (oldTsDir && !payloadDiffers(payload, oldPayload) && (await visibleLinksPresent(targetDir, want))) return false;

  const tsDir = await fs.mkdtemp(path.join(targetDir, timestampDirPrefix(opts.now ?? new Date())));
  await fs.chmod(tsDir, 0o755);
  for (const [p, f] of payload) {
    const full = path.join(tsDir, p);
    const dir = path.dirname(full);
    if (dir !== tsDir) await fs.mkdir(dir, { recursive: true, mode: 0o755 });
    await fs.writeFile(full, f.data);
    await fs.chmod(full, f.mode);
    if (opts.gid !== undefined) await fs.chown(full, -1, opts.gid);
  }
  if (opts.gid !== undefined) await chownDirs(tsDir, opts.gid);

  const tmpLink = path.join(targetDir, DATA_DIR_TMP_NAME);
  await fs.rm(tmpLink, { force: true });
  await fs.symlink(path.basename(tsDir), tmpLink);
  await fs.rename(tmpLink, dataLink);

  for (const name of want) {
    const link = path.join(targetDir, name);
    const current = await readLinkOrUndefined(link);
    if (current === path.join(DATA_DIR_NAME, name)) continue;
    if (current !== undefined) await fs.rm(link, { force: true });
    await fs.symlink(path.join(DATA_DIR_NAME, name), link);
  }
  for (const name of visibleNames(oldPayload.keys())) {
    if (!want.has(name)) await fs.rm(path.join(targetDir, name), { force: true, recursive: true });
  }
  if (oldTsDir) await fs.rm(oldTsDir, { recursive: true, force: true });
  return true;
}

async function visibleLinksPresent(targetDir: string, names: Set<string>): Promise<boolean> {
  for (const name of names) {
    if ((await readLinkOrUndefined(path.join(targetDir, name))) !== path.join(DATA_DIR_NAME, name)) return false;
  }
  return true;
}

async function chownDirs(dir: string, gid: number): Promise<void> {
  await fs.chown(dir, -1, gid);
  for (const e of await fs.readdir(dir, { withFileTypes: true })) {
    if (e.isDirectory()) await chownDirs(path.join(dir, e.name), gid);
  }
}
