// tmpfs mounts for memory-backed volumes (emptyDir medium Memory, secret, projected) and the
// mount table reader tearDown uses so it never deletes a directory something is still mounted on.
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Mount points from /proc/self/mountinfo text (field 5, with the kernel's octal escapes undone). */
export function parseMountPoints(mountinfo: string): string[] {
  const out: string[] = [];
  for (const line of mountinfo.split('\n')) {
    if (!line) continue;
    const fields = line.split(' ');
    if (fields.length < 5) continue;
    out.push(fields[4].replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))));
  }
  return out;
}

export async function mountPoints(): Promise<string[]> {
  return parseMountPoints(await fs.readFile('/proc/self/mountinfo', 'utf8'));
}

/** Mount points at or below dir, deepest first (the order to unmount them in). */
export function mountsUnder(points: string[], dir: string): string[] {
  const prefix = dir.endsWith('/') ? dir : dir + '/';
  return points.filter((p) => p === dir || p.startsWith(prefix)).sort((a, b) => b.length - a.length);
}

export async function isMountPoint(dir: string): Promise<boolean> {
  return (await mountPoints()).includes(path.resolve(dir));
}

/** Mounts a tmpfs on dir unless one already is; sizeBytes caps it (default: the kernel's half of RAM). */
export async function mountTmpfs(dir: string, sizeBytes?: number): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  if (await isMountPoint(dir)) return;
  const opts = ['mode=0755'];
  if (sizeBytes !== undefined && sizeBytes > 0) opts.push(`size=${sizeBytes}`);
  try {
    await run('mount', ['-t', 'tmpfs', '-o', opts.join(','), 'tmpfs', dir]);
  } catch (e) {
    throw new Error(`mount tmpfs on ${dir}: ${(e as { stderr?: string }).stderr?.trim() || (e as Error).message}`);
  }
}

export async function unmount(dir: string): Promise<void> {
  try {
    await run('umount', [dir]);
  } catch (e) {
    const msg = (e as { stderr?: string }).stderr?.trim() || (e as Error).message;
    // A busy mount (a container still holds it) is retried lazily rather than left behind.
    if (/busy/i.test(msg)) await run('umount', ['-l', dir]);
    else if (!/not mounted|no mount point/i.test(msg)) throw new Error(`umount ${dir}: ${msg}`);
  }
}
