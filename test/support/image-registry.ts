// A real OCI registry on loopback for node tests (Debian's docker-registry), seeded with images
// built by project code, so pod specs saying `image: busybox` pull through a docker.io mirror.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { busyboxImage, httpdImage, type BuiltImage } from '../../src/kubelet/images/oci-image.js';
import { findBinary } from '../../src/kubelet/containerd/prerequisites.js';

const execFileAsync = promisify(execFile);

export interface ImageRegistry {
  /** host:port, e.g. 127.0.0.1:40123 */
  host: string;
  /** http://host:port */
  url: string;
  /** pushes an image built by project code as <host>/<repo>:<tag> (repo like "library/busybox") */
  push(image: BuiltImage, repoAndTag: string): Promise<void>;
  /** k3s registries.yaml text mirroring docker.io (and the registry itself) to this registry */
  registriesYaml(): string;
  stop(): Promise<void>;
}

/** Why the registry cannot run here, or undefined when it can. */
export function imageRegistryUnavailable(): string | undefined {
  const missing = ['docker-registry', 'skopeo'].filter((b) => !findBinary(b));
  return missing.length ? `missing ${missing.join(', ')} (apt-get install -y docker-registry skopeo)` : undefined;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

/** htpasswd wants bcrypt; the host's libcrypt (through Python's crypt module) provides it. */
async function bcrypt(password: string): Promise<string> {
  const { stdout } = await execFileAsync('python3', [
    '-W',
    'ignore',
    '-c',
    'import crypt,sys; print(crypt.crypt(sys.argv[1], crypt.mksalt(crypt.METHOD_BLOWFISH)))',
    password,
  ]);
  const hash = stdout.trim();
  if (!hash.startsWith('$2')) throw new Error('python3 crypt has no bcrypt: cannot write htpasswd');
  return hash;
}

/**
 * Starts the registry and, unless `seed: false`, pushes library/busybox:latest and
 * library/nginx:latest (busybox httpd serving /www on :80).
 */
export async function startImageRegistry(opts: { seed?: boolean; auth?: { username: string; password: string } } = {}): Promise<ImageRegistry> {
  const dir = await mkdtemp(join(tmpdir(), 'k8ts-registry-'));
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const config = join(dir, 'config.yml');
  const authLines: string[] = [];
  if (opts.auth) {
    await writeFile(join(dir, 'htpasswd'), `${opts.auth.username}:${await bcrypt(opts.auth.password)}\n`);
    authLines.push('auth:', '  htpasswd:', '    realm: k8ts-test', `    path: ${join(dir, 'htpasswd')}`);
  }
  await writeFile(
    config,
    [
      'version: 0.1',
      'log:',
      '  level: error',
      '  accesslog:',
      '    disabled: true',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${join(dir, 'storage')}`,
      '  delete:',
      '    enabled: true',
      'http:',
      `  addr: ${host}`,
      ...authLines,
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn('docker-registry', ['serve', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`docker-registry exited: ${stderr}`);
      const ok = await fetch(`http://${host}/v2/`).then(
        (r) => r.ok || r.status === 401,
        () => false,
      );
      if (ok) break;
      if (Date.now() > deadline) throw new Error(`docker-registry did not start: ${stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const push = async (image: BuiltImage, repoAndTag: string) => {
      const archive = join(dir, `push-${Date.now()}-${Math.random().toString(36).slice(2)}.tar`);
      await writeFile(archive, image.archive);
      try {
        await execFileAsync('skopeo', [
          '--insecure-policy',
          'copy',
          '--quiet',
          '--dest-tls-verify=false',
          ...(opts.auth ? ['--dest-creds', `${opts.auth.username}:${opts.auth.password}`] : []),
          `oci-archive:${archive}`,
          `docker://${host}/${repoAndTag}`,
        ]);
      } finally {
        await rm(archive, { force: true });
      }
    };
    if (opts.seed !== false) {
      await push(busyboxImage(), 'library/busybox:latest');
      await push(httpdImage(), 'library/nginx:latest');
    }
    return {
      host,
      url: `http://${host}`,
      push,
      registriesYaml: () =>
        ['mirrors:', '  docker.io:', `    endpoint: ["http://${host}"]`, `  "${host}":`, `    endpoint: ["http://${host}"]`, ''].join('\n'),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
