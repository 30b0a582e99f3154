// Pure rendering of the supervised containerd's configuration: the version-2 config.toml and,
// from a k3s-format registries.yaml, one certs.d/<host>/hosts.toml per registry. No I/O here.
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { PAUSE_IMAGE } from '../images/oci-image.js';

export interface ContainerdPaths {
  /** <dataDir>/agent/containerd */
  dir: string;
  root: string;
  state: string;
  socket: string;
  config: string;
  log: string;
  /** <dataDir>/agent/etc/containerd/certs.d */
  certsDir: string;
  /** <dataDir>/agent/etc/cni/net.d */
  cniConfDir: string;
}

export function containerdPaths(dataDir: string): ContainerdPaths {
  const dir = join(dataDir, 'agent', 'containerd');
  return {
    dir,
    root: join(dir, 'root'),
    state: join(dir, 'state'),
    socket: join(dir, 'containerd.sock'),
    config: join(dir, 'config.toml'),
    log: join(dir, 'containerd.log'),
    certsDir: join(dataDir, 'agent', 'etc', 'containerd', 'certs.d'),
    cniConfDir: join(dataDir, 'agent', 'etc', 'cni', 'net.d'),
  };
}

/** k3s registries.yaml */
export interface RegistriesConfig {
  mirrors?: Record<string, { endpoint?: string[] }>;
  configs?: Record<
    string,
    {
      auth?: { username?: string; password?: string; auth?: string; identity_token?: string };
      tls?: { cert_file?: string; key_file?: string; ca_file?: string; insecure_skip_verify?: boolean };
    }
  >;
}

export function parseRegistries(text: string): RegistriesConfig {
  const doc = (parseYaml(text) ?? {}) as unknown;
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new Error('registries.yaml: expected a mapping');
  const { mirrors, configs } = doc as RegistriesConfig;
  for (const [host, m] of Object.entries(mirrors ?? {})) {
    if (m?.endpoint !== undefined && !Array.isArray(m.endpoint)) throw new Error(`registries.yaml: mirrors.${host}.endpoint must be a list`);
  }
  return { mirrors: mirrors ?? {}, configs: configs ?? {} };
}

const q = (s: string) => JSON.stringify(s); // TOML basic strings accept JSON string escapes

export interface ConfigTomlInput {
  paths: ContainerdPaths;
  cniBinDir: string;
  sandboxImage?: string;
  registries?: RegistriesConfig;
}

/** Credentials stay in config.toml (CRI's per-host auth); mirrors and TLS go to hosts.toml. */
export function renderConfigToml({ paths, cniBinDir, sandboxImage = PAUSE_IMAGE, registries }: ConfigTomlInput): string {
  const cri = 'plugins."io.containerd.grpc.v1.cri"';
  const lines = [
    '# Written by k8ts at every agent start; edits are overwritten.',
    'version = 2',
    `root = ${q(paths.root)}`,
    `state = ${q(paths.state)}`,
    '',
    '[grpc]',
    `  address = ${q(paths.socket)}`,
    '',
    '[plugins."io.containerd.internal.v1.opt"]',
    `  path = ${q(join(paths.root, 'opt'))}`,
    '',
    `[${cri}]`,
    `  sandbox_image = ${q(sandboxImage)}`,
    // This machine's root may lack CAP_SYS_RESOURCE: without this, the pause container's
    // oom_score_adj -998 is refused and every sandbox fails to start.
    '  restrict_oom_score_adj = true',
    '  enable_selinux = false',
    '  stream_server_address = "127.0.0.1"',
    '  stream_server_port = "0"',
    '  enable_tls_streaming = false',
    '',
    `[${cri}.containerd]`,
    '  snapshotter = "overlayfs"',
    '  default_runtime_name = "runc"',
    '',
    // runc, not crun: Debian's crun refuses the hybrid cgroup layout.
    `[${cri}.containerd.runtimes.runc]`,
    '  runtime_type = "io.containerd.runc.v2"',
    '',
    `[${cri}.containerd.runtimes.runc.options]`,
    '  SystemdCgroup = false',
    '',
    `[${cri}.cni]`,
    `  bin_dir = ${q(cniBinDir)}`,
    `  conf_dir = ${q(paths.cniConfDir)}`,
    '',
    `[${cri}.registry]`,
    `  config_path = ${q(paths.certsDir)}`,
  ];
  for (const [host, c] of Object.entries(registries?.configs ?? {})) {
    const a = c?.auth;
    if (!a) continue;
    lines.push('', `[${cri}.registry.configs.${q(host)}.auth]`);
    if (a.username !== undefined) lines.push(`  username = ${q(a.username)}`);
    if (a.password !== undefined) lines.push(`  password = ${q(a.password)}`);
    if (a.auth !== undefined) lines.push(`  auth = ${q(a.auth)}`);
    if (a.identity_token !== undefined) lines.push(`  identitytoken = ${q(a.identity_token)}`);
  }
  return lines.join('\n') + '\n';
}

/** The registry's own endpoint when no mirror answers. */
function defaultServer(host: string): string {
  return host === 'docker.io' ? 'https://registry-1.docker.io' : `https://${host}`;
}

/** certs.d directory name for a registry host; k3s' "*" mirror is containerd's `_default`. */
export function hostsDirName(host: string): string {
  return host === '*' ? '_default' : host;
}

function endpointHost(endpoint: string): string {
  try {
    return new URL(endpoint).host;
  } catch {
    return endpoint.replace(/^[a-z]+:\/\//, '').replace(/\/.*$/, '');
  }
}

function tlsLines(prefix: string, tls: NonNullable<NonNullable<RegistriesConfig['configs']>[string]>['tls']): string[] {
  if (!tls) return [];
  const out: string[] = [];
  if (tls.insecure_skip_verify) out.push(`${prefix}skip_verify = true`);
  if (tls.ca_file) out.push(`${prefix}ca = ${q(tls.ca_file)}`);
  if (tls.cert_file && tls.key_file) out.push(`${prefix}client = [[${q(tls.cert_file)}, ${q(tls.key_file)}]]`);
  return out;
}

/** Maps certs.d directory name → hosts.toml content, for every mirrored or configured registry. */
export function renderHostsTomls(registries: RegistriesConfig): Map<string, string> {
  const out = new Map<string, string>();
  const configs = registries.configs ?? {};
  const hosts = new Set([...Object.keys(registries.mirrors ?? {}), ...Object.keys(configs)]);
  for (const host of hosts) {
    const lines: string[] = [];
    if (host !== '*') {
      lines.push(`server = ${q(defaultServer(host))}`);
      lines.push(...tlsLines('', configs[host]?.tls));
    }
    for (const raw of registries.mirrors?.[host]?.endpoint ?? []) {
      const endpoint = raw.replace(/\/+$/, '');
      lines.push('', `[host.${q(endpoint)}]`, '  capabilities = ["pull", "resolve"]');
      lines.push(...tlsLines('  ', configs[endpointHost(endpoint)]?.tls));
    }
    out.set(hostsDirName(host), lines.join('\n') + '\n');
  }
  return out;
}
