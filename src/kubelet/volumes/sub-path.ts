// subPath / subPathExpr: the directory inside a volume a mount names, kept inside the volume.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

/** Why a subPath is unacceptable (absolute or climbing out), or undefined. */
export function validateSubPath(sub: string): string | undefined {
  if (path.isAbsolute(sub)) return `subPath ${JSON.stringify(sub)} must be a relative path`;
  if (sub.split('/').includes('..')) return `subPath ${JSON.stringify(sub)} must not contain '..'`;
  return undefined;
}

/** subPathExpr's $(VAR) expansion from the container's literal env; unknown names expand to "". */
export function expandSubPathExpr(expr: string, env: Record<string, string>): string {
  return expr.replace(/\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (_, name: string) => env[name] ?? '');
}

/**
 * Creates volumePath/sub when missing and returns it. Refuses a path whose real location (after
 * symlinks a container could have planted) leaves the volume.
 */
export async function prepareSubPath(volumePath: string, sub: string): Promise<string> {
  const err = validateSubPath(sub);
  if (err) throw new Error(err);
  const target = path.join(volumePath, sub);
  try {
    await fs.lstat(target);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    await fs.mkdir(target, { recursive: true, mode: 0o750 });
  }
  const [realVol, realTarget] = await Promise.all([fs.realpath(volumePath), fs.realpath(target)]);
  if (realTarget !== realVol && !realTarget.startsWith(realVol.endsWith('/') ? realVol : realVol + '/')) {
    throw new Error(`subPath ${JSON.stringify(sub)} resolves outside the volume`);
  }
  return target;
}
