// The node-runtime image: the host's own Node.js binary with the shared libraries it links, laid
// out at the same paths, so k8ts components can run as real containers (cluster DNS as a static
// pod) with the k8ts installation mounted from the host. Built from host files, never pulled; the
// archive is cached under the data dir per Node.js version and imported like the pause image.
import { execFile } from 'node:child_process';
import { readdir, readFile, rename, rm, stat, writeFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { buildOciImage, imagesDir, type BuiltImage } from './oci-image.js';
import type { TarEntry } from './tar.js';

const run = promisify(execFile);

/** docker.io/k8ts/node-runtime:<Node.js version> (the tag follows the node binary the agent runs on). */
export function nodeRuntimeImageRef(nodeVersion = process.versions.node): string {
  return `docker.io/k8ts/node-runtime:${nodeVersion}`;
}

const ARCHIVE_PREFIX = 'k8ts-node-runtime-';

/**
 * The absolute library paths in `ldd` output, the dynamic loader included; the vDSO (no file) is
 * skipped. Throws on libraries ldd cannot find. Pure.
 */
export function parseLddOutput(out: string): string[] {
  const paths: string[] = [];
  for (const raw of out.split('\n')) {
    const line = raw.trim();
    if (!line || line.includes('statically linked')) continue;
    if (line.includes('=> not found')) throw new Error(`shared library not found: ${line}`);
    const m = /=>\s*(\/\S+)/.exec(line) ?? /^(\/\S+)\s/.exec(line);
    if (m && !paths.includes(m[1]!)) paths.push(m[1]!);
  }
  return paths;
}

/** The image's only layer: every parent directory, then the files (contents of their link targets). */
export function runtimeLayer(files: ReadonlyMap<string, Buffer>): TarEntry[] {
  const dirs = new Set<string>();
  for (const path of files.keys()) {
    for (let d = dirname(path); d !== '/' && d !== '.'; d = dirname(d)) dirs.add(d);
  }
  const entries: TarEntry[] = [...dirs].sort().map((d): TarEntry => ({ type: 'dir', path: d.slice(1) }));
  entries.push({ type: 'dir', path: 'tmp', mode: 0o1777 });
  for (const [path, data] of files) entries.push({ type: 'file', path: path.slice(1), data, mode: 0o755 });
  return entries;
}

/** Builds the image from nodePath and what ldd lists for it (reads ~100 MB; the layer is not compressed). */
export async function nodeRuntimeImage(nodePath = process.execPath, ref = nodeRuntimeImageRef()): Promise<BuiltImage> {
  const { stdout } = await run('ldd', [nodePath], { timeout: 30_000 });
  const libraries = parseLddOutput(stdout);
  const files = new Map<string, Buffer>([[nodePath, await readFile(nodePath)]]);
  for (const lib of libraries) files.set(lib, await readFile(lib));
  const libDirs = [...new Set(libraries.map((l) => dirname(l)))];
  return buildOciImage({
    ref,
    layers: [runtimeLayer(files)],
    entrypoint: [nodePath],
    env: ['PATH=/usr/local/bin:/usr/bin:/bin', `LD_LIBRARY_PATH=${libDirs.join(':')}`],
    uncompressedLayers: true,
  });
}

/**
 * Writes the node-runtime archive to <dataDir>/agent/images/ unless this Node.js version's is
 * there already (older versions' archives are removed). Returns the image reference.
 */
export async function ensureNodeRuntimeImage(dataDir: string, nodePath = process.execPath): Promise<{ ref: string; archive: string; built: boolean }> {
  const dir = imagesDir(dataDir);
  await mkdir(dir, { recursive: true });
  const ref = nodeRuntimeImageRef();
  const file = `${ARCHIVE_PREFIX}${process.versions.node}.tar`;
  const archive = join(dir, file);
  for (const f of await readdir(dir)) {
    if (f.startsWith(ARCHIVE_PREFIX) && f !== file) await rm(join(dir, f), { force: true });
  }
  if (await stat(archive).catch(() => undefined)) return { ref, archive, built: false };
  const image = await nodeRuntimeImage(nodePath, ref);
  await writeFile(`${archive}.tmp`, image.archive);
  await rename(`${archive}.tmp`, archive);
  return { ref, archive, built: true };
}
