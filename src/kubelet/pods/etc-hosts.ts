// The pod's /etc/hosts, as upstream's kubelet manages it: localhost entries, the pod's own
// address under its hostname (and <hostname>.<subdomain>.<ns>.svc.<domain> when spec.subdomain is
// set, which StatefulSet pods rely on), then spec.hostAliases. hostNetwork pods get the node's
// file plus their aliases. Written once per pod into its directory and bind-mounted into every
// container that does not mount /etc/hosts itself.
import { access, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { CriMount } from './cri-port.js';
import { podHostname } from './runtime-config.js';
import type { Pod } from './types.js';

export const ETC_HOSTS = '/etc/hosts';
const HEADER = '# Kubernetes-managed hosts file.\n';
const HEADER_HOST_NETWORK = '# Kubernetes-managed hosts file (host network).\n';

interface HostAlias { ip?: string; hostnames?: string[] }

function aliasEntries(aliases: HostAlias[] | undefined): string {
  if (!aliases?.length) return '';
  let out = '\n# Entries added by HostAliases.\n';
  for (const a of aliases) if (a.ip && a.hostnames?.length) out += `${a.ip}\t${a.hostnames.join('\t')}\n`;
  return out;
}

/** The hosts file of a pod on the pod network. Pure. */
export function managedHostsFile(pod: Pod, podIPs: readonly string[], clusterDomain: string): string {
  const hostname = podHostname(pod);
  const subdomain: string | undefined = pod.spec.subdomain;
  const domain = subdomain ? `${subdomain}.${pod.metadata.namespace ?? 'default'}.svc.${clusterDomain}` : '';
  let out =
    HEADER +
    '127.0.0.1\tlocalhost\n' +
    '::1\tlocalhost ip6-localhost ip6-loopback\n' +
    'fe00::0\tip6-localnet\n' +
    'fe00::0\tip6-mcastprefix\n' +
    'fe00::1\tip6-allnodes\n' +
    'fe00::2\tip6-allrouters\n';
  for (const ip of podIPs) out += domain ? `${ip}\t${hostname}.${domain}\t${hostname}\n` : `${ip}\t${hostname}\n`;
  return out + aliasEntries(pod.spec.hostAliases as HostAlias[] | undefined);
}

/** The hosts file of a hostNetwork pod: the node's, plus the pod's aliases. Pure. */
export function hostNetworkHostsFile(pod: Pod, nodeHosts: string): string {
  return HEADER_HOST_NETWORK + nodeHosts + aliasEntries(pod.spec.hostAliases as HostAlias[] | undefined);
}

/**
 * Writes <podDir>/etc-hosts unless it exists (as upstream: the file is the pod's, not rewritten
 * on restarts) and returns the mount for it; undefined until the pod has an address.
 */
export async function ensureHostsFile(podDir: string, pod: Pod, podIP: string, clusterDomain: string): Promise<CriMount | undefined> {
  if (!podIP) return undefined;
  const file = path.join(podDir, 'etc-hosts');
  const exists = await access(file).then(() => true, () => false);
  if (!exists) {
    const content = pod.spec.hostNetwork
      ? hostNetworkHostsFile(pod, await readFile(ETC_HOSTS, 'utf8').catch(() => ''))
      : managedHostsFile(pod, [podIP], clusterDomain);
    await writeFile(file, content, { mode: 0o644 });
  }
  return { container_path: ETC_HOSTS, host_path: file, readonly: false };
}
