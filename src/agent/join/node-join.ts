// Joining a cluster with a token, as a k3s agent does: learn and check the cluster CA, trade the
// bootstrap token for the node's own client certificate (a CSR for system:node:<name> with the
// kube-apiserver-client-kubelet signer, auto-approved as nodeclient), keep it in
// <data-dir>/agent/pki with a kubeconfig (<data-dir>/agent/kubelet.kubeconfig), and from then on
// act only as the node. A restart reuses the stored certificate while it is good, so the token
// is needed only for the first join (or after the certificate ran out). Also hands out the
// node's other certificates: the kubelet serving certificate and the agent components' client
// certificates, each through a CSR the approver's agent policy accepts. The bootstrap token is
// used for the CA and the first CSR only.
import { join } from 'node:path';
import type { Logger } from 'pino';
import { HttpKubeClient, type HttpKubeClientConfig } from '../../client/http-client.js';
import { realClock } from '../../client/informer-types.js';
import { renderKubeconfig } from '../../pki/kubeconfig.js';
import { KUBE_APISERVER_CLIENT_SIGNER } from '../../controllers/certificates/csr.js';
import { kubeletServingRequest, nodeClientRequest, requestClientCertificate, type CertificateRequestOptions } from '../../controllers/certificates/request-certificate.js';
import { CertificateManager } from '../../kubelet/certificate/certificate-manager.js';
import { CertificateStore, writeAtomic, type CertificatePair } from '../../kubelet/certificate/certificate-store.js';
import { certificateNames, certificateTimes, issuedBy, usableAtStart } from '../../kubelet/certificate/rotation.js';
import { RotatingKubeClient } from '../../kubelet/certificate/rotating-client.js';
import { fetchClusterCA } from './cluster-ca.js';
import { parseJoinToken } from './join-token.js';

export const KUBELET_CLIENT_PAIR = 'client-kubelet';
export const KUBELET_SERVING_PAIR = 'serving-kubelet';
const CA_FILE = 'server-ca.crt';
const CSR_TIMEOUT_MS = 5 * 60_000;

export interface NodeJoinOptions {
  server: string;
  /** the join token; needed unless a usable node certificate is stored already */
  token?: string;
  nodeName: string;
  dataDir: string;
  logger: Logger;
}

export interface JoinedNode {
  caPem: string;
  /** <data-dir>/agent/kubelet.kubeconfig, kept current across rotations */
  kubeconfigPath: string;
  /** the node's credentials as they are now */
  clientConfig(): HttpKubeClientConfig;
  /** a client that follows the node certificate's rotations */
  makeClient(userAgent: string): RotatingKubeClient;
  /** client credentials for an agent component (system:kube-proxy, system:k8ts:coredns, system:k8ts:ingress) */
  clientConfigFor(user: string, groups: string[]): Promise<HttpKubeClientConfig>;
  /** the kubelet API's serving certificate for the node's name and addresses */
  kubeletServingTls(nodeIPs: string[]): Promise<{ certPem: string; keyPem: string; clientCaPem: string }>;
  certificates: CertificateManager;
  /** renews the node certificate until signal aborts; closes the clients it made */
  run(signal: AbortSignal): Promise<void>;
}

/** Whether a stored pair is for this identity, from this CA, and good to start with. */
async function storedPairUsable(pair: CertificatePair | undefined, caPem: string | undefined, commonName: string, now: Date, sans: string[] = []): Promise<boolean> {
  if (!pair || !caPem) return false;
  try {
    const names = certificateNames(pair.certPem);
    if (names.commonName !== commonName || sans.some((s) => !names.sans.includes(s))) return false;
    return usableAtStart(certificateTimes(pair.certPem), now) && (await issuedBy(pair.certPem, caPem));
  } catch {
    return false;
  }
}

const storeName = (user: string) => `client-${user.replace(/^system:/, '').replace(/[^a-z0-9.-]/gi, '-')}`;

export async function joinCluster(o: NodeJoinOptions, signal: AbortSignal): Promise<JoinedNode> {
  const logger = o.logger.child({ component: 'node-identity', node: o.nodeName });
  const store = new CertificateStore(join(o.dataDir, 'agent', 'pki'));
  const kubeconfigPath = join(o.dataDir, 'agent', 'kubelet.kubeconfig');
  const nodeUser = `system:node:${o.nodeName}`;
  let caPem = store.loadText(CA_FILE);
  let pair = store.load(KUBELET_CLIENT_PAIR);

  if (await storedPairUsable(pair, caPem, nodeUser, new Date())) {
    logger.info('using the stored node client certificate');
  } else {
    if (!o.token) throw new Error(`no usable node certificate in ${store.paths(KUBELET_CLIENT_PAIR).cert}: --token is needed to join`);
    const token = parseJoinToken(o.token);
    caPem = await fetchClusterCA(o.server, token, logger, { signal });
    store.saveText(CA_FILE, caPem);
    const boot = new HttpKubeClient({ server: o.server, caPem, token: token.bootstrapToken, userAgent: 'k8ts-agent-bootstrap' });
    try {
      logger.info('requesting the node client certificate with the join token');
      const issued = await requestClientCertificate(boot, { ...nodeClientRequest(o.nodeName), signal, timeoutMs: CSR_TIMEOUT_MS });
      pair = { certPem: issued.certPem, keyPem: issued.keyPem };
      store.save(KUBELET_CLIENT_PAIR, pair);
      logger.info({ csr: issued.csrName }, 'node client certificate issued');
    } finally {
      boot.close();
    }
  }
  const ca = caPem!;
  let current = pair!;
  const configOf = (p: CertificatePair, userAgent?: string): HttpKubeClientConfig => ({ server: o.server, caPem: ca, certPem: p.certPem, keyPem: p.keyPem, ...(userAgent ? { userAgent } : {}) });
  const writeKubeconfigFile = (p: CertificatePair) =>
    writeAtomic(kubeconfigPath, renderKubeconfig({ server: o.server, caPem: ca, clientCertPem: p.certPem, clientKeyPem: p.keyPem, user: nodeUser }));
  writeKubeconfigFile(current);

  const clients = new Set<RotatingKubeClient>();
  const makeClient = (userAgent: string) => {
    const c = new RotatingKubeClient(configOf(current, userAgent));
    clients.add(c);
    return c;
  };
  // The node's own connection for its CSRs; it rotates with the rest.
  const csrClient = makeClient('k8ts-agent-certificates');
  const request = async (opts: CertificateRequestOptions, s: AbortSignal = signal) => {
    const issued = await requestClientCertificate(csrClient, { ...opts, signal: s, timeoutMs: CSR_TIMEOUT_MS });
    return { certPem: issued.certPem, keyPem: issued.keyPem };
  };

  const certificates = new CertificateManager(
    {
      clock: realClock,
      logger,
      request: (s) => request(nodeClientRequest(o.nodeName), s),
      install: (p) => {
        store.save(KUBELET_CLIENT_PAIR, p);
        current = p;
        writeKubeconfigFile(p);
        for (const c of clients) c.rotate({ certPem: p.certPem, keyPem: p.keyPem });
      },
    },
    current,
  );

  const components = new Map<string, Promise<HttpKubeClientConfig>>();
  const clientConfigFor = (user: string, groups: string[]): Promise<HttpKubeClientConfig> => {
    if (groups.length) return Promise.reject(new Error(`agent component identities carry no groups (asked for ${user} in ${groups.join(',')})`));
    let pending = components.get(user);
    if (!pending) {
      pending = (async () => {
        const name = storeName(user);
        let p = store.load(name);
        if (!(await storedPairUsable(p, ca, user, new Date()))) {
          p = await request({ commonName: user, signerName: KUBE_APISERVER_CLIENT_SIGNER, usages: ['digital signature', 'client auth'], namePrefix: 'csr-' });
          store.save(name, p);
          logger.info({ user }, 'component client certificate issued');
        }
        return configOf(p!);
      })();
      pending.catch(() => components.delete(user));
      components.set(user, pending);
    }
    return pending;
  };

  const kubeletServingTls = async (nodeIPs: string[]) => {
    let p = store.load(KUBELET_SERVING_PAIR);
    if (!(await storedPairUsable(p, ca, nodeUser, new Date(), [o.nodeName, ...nodeIPs]))) {
      p = await request(kubeletServingRequest(o.nodeName, nodeIPs));
      store.save(KUBELET_SERVING_PAIR, p);
      logger.info({ ips: nodeIPs }, 'kubelet serving certificate issued');
    }
    return { certPem: p!.certPem, keyPem: p!.keyPem, clientCaPem: ca };
  };

  return {
    caPem: ca,
    kubeconfigPath,
    clientConfig: () => configOf(current),
    makeClient,
    clientConfigFor,
    kubeletServingTls,
    certificates,
    run: async (s) => {
      try {
        await certificates.run(s);
      } finally {
        for (const c of clients) c.close();
      }
    },
  };
}
