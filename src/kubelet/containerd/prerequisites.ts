// Finds the host binaries the node agent needs and says, in one message, what is missing and
// how to install it, instead of failing later with an obscure runtime error.
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

export const REQUIRED_CNI_PLUGINS = ['bridge', 'host-local', 'portmap', 'loopback'] as const;

const SYSTEM_DIRS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Absolute path of `name` on PATH or in the usual system directories, or undefined. */
export function findBinary(name: string, pathEnv = process.env.PATH ?? ''): string | undefined {
  const dirs = [...pathEnv.split(delimiter).filter(Boolean), ...SYSTEM_DIRS];
  for (const dir of dirs) {
    const candidate = join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

export interface RuntimeBinaries {
  containerd: string;
  ctr: string;
  runc: string;
}

export class MissingPrerequisitesError extends Error {
  constructor(readonly missing: string[]) {
    super(
      `the node agent cannot start; missing: ${missing.join(', ')}.\n` +
        'On Debian/Ubuntu install them with:\n' +
        '  apt-get install -y containerd runc containernetworking-plugins iptables nftables busybox-static\n' +
        '(or run with --no-agent for a control plane only, or pass --container-runtime-endpoint)',
    );
    this.name = 'MissingPrerequisitesError';
  }
}

/**
 * Checks containerd, ctr and runc (unless an external runtime endpoint is used) and the CNI
 * plugins; throws MissingPrerequisitesError listing everything absent.
 */
export function checkPrerequisites(opts: { cniBinDir: string; needContainerd: boolean }): Partial<RuntimeBinaries> {
  const missing: string[] = [];
  const found: Partial<RuntimeBinaries> = {};
  if (opts.needContainerd) {
    for (const name of ['containerd', 'ctr', 'runc'] as const) {
      const path = findBinary(name);
      if (path) found[name] = path;
      else missing.push(`${name} (not on PATH)`);
    }
  }
  // The service proxy programs the node with nftables.
  if (!findBinary('nft')) missing.push('nft (nftables, not on PATH)');
  const plugins = REQUIRED_CNI_PLUGINS.filter((p) => !isExecutable(join(opts.cniBinDir, p)));
  if (plugins.length) missing.push(`CNI plugins ${plugins.join(', ')} (in ${opts.cniBinDir})`);
  if (missing.length) throw new MissingPrerequisitesError(missing);
  return found;
}
