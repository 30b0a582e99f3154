// The agent's side of cluster DNS: once the Node has its pod range, put the gateway address on
// the pod bridge, make sure the node-runtime image is in containerd, write the DNS identity's
// kubeconfig and the coredns static pod manifest; the kubelet runs the pod from there. Where that
// image cannot be built or imported, DNS is served inside the agent instead (runNodeClusterDns).
import type { Logger } from 'pino';
import type { HttpKubeClientConfig } from '../client/http-client.js';
import { ensureNodeRuntimeImage } from '../kubelet/images/node-runtime-image.js';
import { DEFAULT_BRIDGE } from '../kubelet/network/cni-config.js';
import { DEFAULT_CLUSTER_DOMAIN } from './cluster-dns.js';
import { dnsStaticPod, k8tsInstallRoot, writeDnsIdentity, writeDnsStaticPod } from './dns-static-pod.js';
import { ensureBridgeAddress } from './listen-address.js';
import { runNodeClusterDns } from './node-dns.js';

export interface NodeDnsPodOptions {
  dataDir: string;
  clientConfig: HttpKubeClientConfig;
  nodeName: string;
  nodeUid?: string;
  podCIDR: string;
  bridge?: string;
  clusterDNS: string;
  clusterDomain?: string;
  /** imports the image archives under the data dir into the node's containerd; absent for an external runtime */
  importImages?: () => Promise<unknown>;
  /** tells the kubelet to read its manifests dir now */
  manifestWritten?: () => void;
  logger: Logger;
}

/**
 * Starts cluster DNS for this node: as the coredns static pod (resolves once its manifest is
 * written), or in process as a fallback (resolves once the signal aborted and it stopped).
 */
export async function startNodeDns(o: NodeDnsPodOptions, signal: AbortSignal): Promise<void> {
  const logger = o.logger.child({ component: 'cluster-dns', node: o.nodeName });
  const fallback = (reason: string, err?: unknown) => {
    logger.warn({ err }, `cluster DNS runs inside the agent process: ${reason}`);
    return runNodeClusterDns({ ...o, logger: o.logger }, signal);
  };
  if (!o.importImages) return fallback('the node-runtime image cannot be imported into an external container runtime');
  let image: string;
  try {
    const built = await ensureNodeRuntimeImage(o.dataDir);
    if (built.built) logger.info({ image: built.ref, archive: built.archive }, 'node-runtime image built');
    await o.importImages();
    image = built.ref;
  } catch (err) {
    return fallback('the node-runtime image could not be built', err);
  }
  if (signal.aborted) return;
  const listenAddress = await ensureBridgeAddress(o.bridge ?? DEFAULT_BRIDGE, o.podCIDR);
  const identityDir = await writeDnsIdentity(o.dataDir, o.clientConfig);
  const manifest = dnsStaticPod({
    nodeName: o.nodeName,
    nodeUid: o.nodeUid,
    listenAddress,
    clusterDNS: o.clusterDNS,
    clusterDomain: o.clusterDomain ?? DEFAULT_CLUSTER_DOMAIN,
    image,
    nodePath: process.execPath,
    k8tsRoot: k8tsInstallRoot(),
    identityDir,
  });
  const file = await writeDnsStaticPod(o.dataDir, manifest);
  o.manifestWritten?.();
  logger.info({ manifest: file, listen: listenAddress }, 'cluster DNS static pod written');
}
