// Builds the node's own OCI images from the host's static busybox: the sandbox ("pause") image,
// which must never be fetched from a registry, and a plain busybox image for air-gapped use and
// tests. Pure Node: a tar writer, node:zlib and sha256 digests; it never talks to a runtime or
// a registry (the containerd supervisor imports what this writes).
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { writeTar, type TarEntry } from './tar.js';

export const PAUSE_IMAGE = 'registry.k8s.io/pause:3.10';
export const BUSYBOX_IMAGE = 'docker.io/library/busybox:latest';
export const DEFAULT_BUSYBOX_PATH = '/bin/busybox';

const MEDIA_INDEX = 'application/vnd.oci.image.index.v1+json';
const MEDIA_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const MEDIA_CONFIG = 'application/vnd.oci.image.config.v1+json';
const MEDIA_LAYER_GZIP = 'application/vnd.oci.image.layer.v1.tar+gzip';
const MEDIA_LAYER_TAR = 'application/vnd.oci.image.layer.v1.tar';
const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface ImageSpecInput {
  /** full reference, e.g. docker.io/library/busybox:latest */
  ref: string;
  /** layer contents, bottom first */
  layers: TarEntry[][];
  entrypoint?: string[];
  cmd?: string[];
  env?: string[];
  workingDir?: string;
  user?: string;
  exposedPorts?: string[];
  stopSignal?: string;
  /** store layers as plain tar: for large binaries gzip would block the event loop for seconds */
  uncompressedLayers?: boolean;
}

export interface BuiltImage {
  ref: string;
  /** the OCI image-layout archive (oci-layout, index.json, blobs/sha256/...) */
  archive: Buffer;
  manifestDigest: string;
  configDigest: string;
}

const sha256 = (b: Buffer | string) => 'sha256:' + createHash('sha256').update(b).digest('hex');

export function ociArchitecture(nodeArch: string = process.arch): string {
  switch (nodeArch) {
    case 'x64':
      return 'amd64';
    case 'ia32':
      return '386';
    case 'arm':
      return 'arm';
    default:
      return nodeArch; // arm64, ppc64, s390x, riscv64 already match GOARCH
  }
}

/** The tag part of a reference ("latest" when absent or digest-only). */
export function refTag(ref: string): string {
  const lastSlash = ref.lastIndexOf('/');
  const at = ref.indexOf('@');
  const name = at >= 0 ? ref.slice(0, at) : ref;
  const colon = name.lastIndexOf(':');
  return colon > lastSlash ? name.slice(colon + 1) : 'latest';
}

/** Packs an image as an OCI image-layout tar archive, deterministically. */
export function buildOciImage(spec: ImageSpecInput): BuiltImage {
  const blobs: [string, Buffer][] = [];
  const layerDescriptors: { mediaType: string; digest: string; size: number }[] = [];
  const diffIds: string[] = [];
  for (const entries of spec.layers) {
    const tar = writeTar(entries);
    const diffId = sha256(tar);
    diffIds.push(diffId);
    if (spec.uncompressedLayers) {
      layerDescriptors.push({ mediaType: MEDIA_LAYER_TAR, digest: diffId, size: tar.length });
      blobs.push([diffId, tar]);
      continue;
    }
    const gz = gzipSync(tar);
    const digest = sha256(gz);
    layerDescriptors.push({ mediaType: MEDIA_LAYER_GZIP, digest, size: gz.length });
    blobs.push([digest, gz]);
  }
  const architecture = ociArchitecture();
  const config = {
    architecture,
    os: 'linux',
    config: {
      Env: spec.env ?? [DEFAULT_PATH],
      ...(spec.entrypoint ? { Entrypoint: spec.entrypoint } : {}),
      ...(spec.cmd ? { Cmd: spec.cmd } : {}),
      WorkingDir: spec.workingDir ?? '/',
      ...(spec.user ? { User: spec.user } : {}),
      ...(spec.exposedPorts ? { ExposedPorts: Object.fromEntries(spec.exposedPorts.map((p) => [p, {}])) } : {}),
      ...(spec.stopSignal ? { StopSignal: spec.stopSignal } : {}),
    },
    rootfs: { type: 'layers', diff_ids: diffIds },
    history: spec.layers.map(() => ({ created_by: 'k8ts image builder' })),
  };
  const configJson = Buffer.from(JSON.stringify(config));
  const configDigest = sha256(configJson);
  blobs.push([configDigest, configJson]);
  const manifest = {
    schemaVersion: 2,
    mediaType: MEDIA_MANIFEST,
    config: { mediaType: MEDIA_CONFIG, digest: configDigest, size: configJson.length },
    layers: layerDescriptors,
  };
  const manifestJson = Buffer.from(JSON.stringify(manifest));
  const manifestDigest = sha256(manifestJson);
  blobs.push([manifestDigest, manifestJson]);
  const index = {
    schemaVersion: 2,
    mediaType: MEDIA_INDEX,
    manifests: [
      {
        mediaType: MEDIA_MANIFEST,
        digest: manifestDigest,
        size: manifestJson.length,
        platform: { architecture, os: 'linux' },
        annotations: {
          // ctr names the imported image from this; skopeo/umoci select by ref.name
          'io.containerd.image.name': spec.ref,
          'org.opencontainers.image.ref.name': refTag(spec.ref),
        },
      },
    ],
  };
  const entries: TarEntry[] = [
    { type: 'file', path: 'oci-layout', data: JSON.stringify({ imageLayoutVersion: '1.0.0' }) },
    { type: 'file', path: 'index.json', data: JSON.stringify(index) },
    { type: 'dir', path: 'blobs' },
    { type: 'dir', path: 'blobs/sha256' },
    ...blobs.map(([digest, data]): TarEntry => ({ type: 'file', path: `blobs/sha256/${digest.slice(7)}`, data })),
  ];
  return { ref: spec.ref, archive: writeTar(entries), manifestDigest, configDigest };
}

/** The applet paths a busybox binary provides, e.g. ["bin/sh", "usr/bin/env", ...]. */
function busyboxApplets(busyboxPath: string): string[] {
  const out = execFileSync(busyboxPath, ['--list-full'], { encoding: 'utf8' });
  return out.split('\n').filter((l) => l && !l.includes('..'));
}

/** A minimal root filesystem: busybox, its applets as symlinks, and the usual directories. */
export function busyboxRootfs(busyboxPath = DEFAULT_BUSYBOX_PATH): TarEntry[] {
  if (!existsSync(busyboxPath)) {
    throw new Error(`${busyboxPath} not found: install a static busybox (Debian: apt-get install -y busybox-static)`);
  }
  const entries: TarEntry[] = [];
  for (const dir of ['bin', 'sbin', 'usr', 'usr/bin', 'usr/sbin', 'etc', 'root', 'home', 'var', 'var/run', 'dev', 'proc', 'sys', 'run']) {
    entries.push({ type: 'dir', path: dir, mode: dir === 'root' ? 0o700 : 0o755 });
  }
  entries.push({ type: 'dir', path: 'tmp', mode: 0o1777 });
  entries.push({ type: 'file', path: 'bin/busybox', data: readFileSync(busyboxPath), mode: 0o755 });
  for (const applet of busyboxApplets(busyboxPath)) {
    if (applet === 'bin/busybox') continue;
    const depth = applet.split('/').length - 1;
    entries.push({ type: 'symlink', path: applet, target: `${'../'.repeat(depth)}bin/busybox` });
  }
  entries.push({ type: 'file', path: 'etc/passwd', data: 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n' });
  entries.push({ type: 'file', path: 'etc/group', data: 'root:x:0:\nnobody:x:65534:\n' });
  return entries;
}

/**
 * Sandbox holder: sleeps until SIGTERM/SIGINT, then exits 0. `sleep & wait` keeps the shell
 * able to run its trap immediately instead of after the sleep ends.
 */
const PAUSE_SCRIPT = 'trap "exit 0" TERM INT; while :; do sleep 86400 & wait $!; done';

export function pauseImage(busyboxPath = DEFAULT_BUSYBOX_PATH): BuiltImage {
  return buildOciImage({ ref: PAUSE_IMAGE, layers: [busyboxRootfs(busyboxPath)], entrypoint: ['/bin/sh', '-c', PAUSE_SCRIPT] });
}

export function busyboxImage(ref = BUSYBOX_IMAGE, busyboxPath = DEFAULT_BUSYBOX_PATH): BuiltImage {
  return buildOciImage({ ref, layers: [busyboxRootfs(busyboxPath)], cmd: ['sh'] });
}

/** A small web server image (busybox httpd on :80 serving /www), standing in for nginx in tests. */
export function httpdImage(ref = 'docker.io/library/nginx:latest', busyboxPath = DEFAULT_BUSYBOX_PATH): BuiltImage {
  const www: TarEntry[] = [
    { type: 'dir', path: 'www' },
    { type: 'file', path: 'www/index.html', data: '<html><body><h1>Welcome to k8ts httpd</h1></body></html>\n' },
  ];
  return buildOciImage({
    ref,
    layers: [busyboxRootfs(busyboxPath), www],
    entrypoint: ['/bin/busybox', 'httpd', '-f', '-p', '80', '-h', '/www'],
    exposedPorts: ['80/tcp'],
  });
}

export function imagesDir(dataDir: string): string {
  return join(dataDir, 'agent', 'images');
}

/**
 * Writes the built-in images (pause, busybox) to <dataDir>/agent/images/ for the containerd
 * supervisor to import; files whose content is unchanged are left alone. Returns the paths.
 */
export async function ensureBuiltinImages(dataDir: string, busyboxPath = DEFAULT_BUSYBOX_PATH): Promise<string[]> {
  const dir = imagesDir(dataDir);
  await mkdir(dir, { recursive: true });
  const wanted: [string, BuiltImage][] = [
    ['k8ts-pause.tar', pauseImage(busyboxPath)],
    ['k8ts-busybox.tar', busyboxImage(BUSYBOX_IMAGE, busyboxPath)],
  ];
  const paths: string[] = [];
  for (const [file, image] of wanted) {
    const path = join(dir, file);
    paths.push(path);
    const current = await readFile(path).catch(() => undefined);
    if (current && current.equals(image.archive)) continue;
    await writeFile(`${path}.tmp`, image.archive);
    await rename(`${path}.tmp`, path);
  }
  return paths;
}
