// hostPath type checks (DirectoryOrCreate, Directory, FileOrCreate, File, Socket, CharDevice,
// BlockDevice): the only place the volume code creates anything outside the data directory, and
// only at the path the pod names.
import { promises as fs, type Stats } from 'node:fs';
import * as path from 'node:path';

async function statOrUndefined(p: string): Promise<Stats | undefined> {
  try {
    return await fs.stat(p);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/** The failure text for an existing path of the wrong kind, or undefined when it matches. */
export function hostPathTypeMismatch(type: string, p: string, st: Pick<Stats, 'isDirectory' | 'isFile' | 'isSocket' | 'isCharacterDevice' | 'isBlockDevice'>): string | undefined {
  switch (type) {
    case 'DirectoryOrCreate':
    case 'Directory':
      return st.isDirectory() ? undefined : `hostPath type check failed: ${p} is not a directory`;
    case 'FileOrCreate':
    case 'File':
      return st.isFile() ? undefined : `hostPath type check failed: ${p} is not a file`;
    case 'Socket':
      return st.isSocket() ? undefined : `hostPath type check failed: ${p} is not a socket file`;
    case 'CharDevice':
      return st.isCharacterDevice() ? undefined : `hostPath type check failed: ${p} is not a character device`;
    case 'BlockDevice':
      return st.isBlockDevice() ? undefined : `hostPath type check failed: ${p} is not a block device`;
    default:
      return undefined;
  }
}

/** Checks (and for the *OrCreate types creates) the hostPath; throws with upstream's message. */
export async function prepareHostPath(p: string, type: string | undefined): Promise<void> {
  const t = type ?? '';
  if (t === '') return;
  const st = await statOrUndefined(p);
  if (!st) {
    if (t === 'DirectoryOrCreate') {
      await fs.mkdir(p, { recursive: true, mode: 0o755 });
      return;
    }
    if (t === 'FileOrCreate') {
      await fs.mkdir(path.dirname(p), { recursive: true, mode: 0o755 });
      await (await fs.open(p, 'a', 0o644)).close();
      return;
    }
    const what = t === 'Directory' ? 'directory' : t === 'File' ? 'file' : t === 'Socket' ? 'socket file' : t === 'CharDevice' ? 'character device' : t === 'BlockDevice' ? 'block device' : undefined;
    if (!what) throw new Error(`hostPath type check failed: unknown type ${t}`);
    throw new Error(`hostPath type check failed: ${p} is not a ${what}`);
  }
  const mismatch = hostPathTypeMismatch(t, p, st);
  if (mismatch) throw new Error(mismatch);
}
