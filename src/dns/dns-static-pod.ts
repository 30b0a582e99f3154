// Cluster DNS as a real pod: the static pod manifest `coredns` (mirror pod coredns-<node> in
// kube-system) that the agent writes into the kubelet's manifests dir, and the kubeconfig of the
// cluster DNS identity it mounts. The pod runs `k8ts dns` with the host's Node.js (the
// node-runtime image) and the k8ts installation mounted read-only at its own path. Building the
// manifest is pure; the rest writes or removes those two files only.
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import type { HttpKubeClientConfig } from '../client/http-client.js';
import { renderKubeconfig } from '../pki/kubeconfig.js';
import { CLUSTER_DNS_USER } from './cluster-objects.js';
import { DNS_NAMESPACE } from './dns-endpoint-slice.js';

export const DNS_POD_NAME = 'coredns';
const MANIFEST_FILE = 'k8ts-coredns.yaml';

export interface DnsStaticPodInput {
  nodeName: string;
  nodeUid?: string;
  /** the pod bridge gateway the server binds (port 53) */
  listenAddress: string;
  clusterDNS: string;
  clusterDomain: string;
  image: string;
  /** the Node.js binary inside the image (the host's path) */
  nodePath: string;
  /** the directory holding bin/k8ts.js and node_modules */
  k8tsRoot: string;
  /** the directory holding the DNS identity's kubeconfig */
  identityDir: string;
}

/** The static pods directory the kubelet scans (its default). */
export function manifestsDirOf(dataDir: string): string {
  return join(dataDir, 'manifests');
}

export function dnsIdentityDirOf(dataDir: string): string {
  return join(dataDir, 'agent', 'coredns');
}

/** The k8ts installation root: the nearest directory above `from` holding bin/k8ts.js and package.json. */
export function k8tsInstallRoot(from: string = import.meta.url): string {
  const start = from.startsWith('file:') ? fileURLToPath(from) : from;
  for (let d = dirname(start); d !== dirname(d); d = dirname(d)) {
    if (existsSync(join(d, 'bin', 'k8ts.js')) && existsSync(join(d, 'package.json'))) return d;
  }
  throw new Error(`no k8ts installation (bin/k8ts.js) above ${start}`);
}

/** The manifest of the coredns static pod. Pure. */
export function dnsStaticPod(o: DnsStaticPodInput): Record<string, unknown> {
  const args = [
    join(o.k8tsRoot, 'bin', 'k8ts.js'),
    'dns',
    '--kubeconfig', join(o.identityDir, 'kubeconfig'),
    '--node-name', o.nodeName,
    ...(o.nodeUid ? ['--node-uid', o.nodeUid] : []),
    '--listen', o.listenAddress,
    '--cluster-dns', o.clusterDNS,
    '--cluster-domain', o.clusterDomain,
  ];
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: DNS_POD_NAME,
      namespace: DNS_NAMESPACE,
      labels: { 'k8s-app': 'kube-dns', 'kubernetes.io/name': 'CoreDNS' },
    },
    spec: {
      // The host's network: the listener sits on the pod bridge gateway, the API server is reached
      // at the agent's own address, and forwarding uses the host's resolvers.
      hostNetwork: true,
      dnsPolicy: 'Default',
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 10,
      containers: [
        {
          name: DNS_POD_NAME,
          image: o.image,
          imagePullPolicy: 'Never',
          command: [o.nodePath],
          args,
          // The TCP listener opens once the zone is loaded from the API: Ready means serving.
          readinessProbe: { tcpSocket: { host: o.listenAddress, port: 53 }, periodSeconds: 2, failureThreshold: 3 },
          livenessProbe: { tcpSocket: { host: o.listenAddress, port: 53 }, initialDelaySeconds: 60, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 5 },
          volumeMounts: [
            { name: 'k8ts', mountPath: o.k8tsRoot, readOnly: true },
            { name: 'identity', mountPath: o.identityDir, readOnly: true },
          ],
        },
      ],
      volumes: [
        { name: 'k8ts', hostPath: { path: o.k8tsRoot, type: 'Directory' } },
        { name: 'identity', hostPath: { path: o.identityDir, type: 'Directory' } },
      ],
    },
  };
}

/** Writes the DNS identity's kubeconfig (0600, in a 0700 directory); returns the directory. */
export async function writeDnsIdentity(dataDir: string, config: HttpKubeClientConfig): Promise<string> {
  const dir = dnsIdentityDirOf(dataDir);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  const file = join(dir, 'kubeconfig');
  const text = renderKubeconfig({ server: config.server, caPem: config.caPem, clientCertPem: config.certPem, clientKeyPem: config.keyPem, token: config.token, user: CLUSTER_DNS_USER });
  await writeFile(`${file}.tmp`, text, { mode: 0o600 });
  await rename(`${file}.tmp`, file);
  return dir;
}

/** Puts the manifest in place (atomically; an unchanged manifest is left alone so the pod keeps running). */
export async function writeDnsStaticPod(dataDir: string, manifest: Record<string, unknown>): Promise<string> {
  const dir = manifestsDirOf(dataDir);
  await mkdir(dir, { recursive: true });
  const file = join(dir, MANIFEST_FILE);
  const text = stringify(manifest);
  if ((await readFile(file, 'utf8').catch(() => undefined)) === text) return file;
  // The kubelet skips dot files, so it never reads a half-written manifest.
  const tmp = join(dir, `.${MANIFEST_FILE}.tmp`);
  await writeFile(tmp, text);
  await rename(tmp, file);
  return file;
}

/** Removes the manifest (the kubelet then stops the pod) and the identity. For `k8ts agent --cleanup`. */
export async function removeDnsStaticPod(dataDir: string): Promise<void> {
  await rm(join(manifestsDirOf(dataDir), MANIFEST_FILE), { force: true });
  await rm(dnsIdentityDirOf(dataDir), { recursive: true, force: true });
}
