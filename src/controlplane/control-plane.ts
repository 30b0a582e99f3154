// The control plane process: opens the datastore, prepares PKI and the admin kubeconfig, builds a
// storage per served resource, bootstraps the built-in namespaces and the `kubernetes` Service,
// and runs the API server until the signal aborts. It wires components; it holds no API rules.
import { mkdirSync } from 'node:fs';
import { setMaxListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { builtinResources, groupOrder } from '../api/registry/builtin.js';
import type { ResourceInfo } from '../api/registry/types.js';
import { SchemaRegistry } from '../api/schema/registry.js';
import { buildOpenAPIv3 } from '../api/schema/openapi.js';
import { errors } from '../api/errors.js';
import { sharedStorage } from '../api/conversion/index.js';
import { ensureCA, issueCertificate } from '../pki/ca.js';
import { writeKubeconfig } from '../pki/kubeconfig.js';
import type { Store } from '../store/types.js';
import { Authenticator } from '../apiserver/authn.js';
import { createAuthentication, csrAdmissionPlugins } from '../auth/authn/index.js';
import { admissionHooks, chainOf, defaultPlugins, lookupFromStorages } from '../auth/admission/index.js';
import type { Authorizer } from '../auth/types.js';
import { EncryptedStore, loadEncryptionConfig } from '../auth/encryption/index.js';
import { AuditLogger } from '../auth/audit/index.js';
import { FairQueue } from '../auth/flowcontrol/index.js';
import { controllerUser, createAuthorization, escalationHooks, reconcileDefaultRBAC, type Authorization } from '../auth/authz/index.js';
import { createSharedInformerFactory } from '../client/informer.js';
import { ResourceCatalog } from '../apiserver/catalog.js';
import { createMachinery } from '../apiserver/machinery-impl.js';
import { Metrics } from '../apiserver/metrics.js';
import { OpenAPIService } from '../apiserver/openapi-service.js';
import { ResourceStorage } from '../apiserver/registry/resource-storage.js';
import { ApiServer } from '../apiserver/server.js';
import { createNodeProxy, createUpgradeHandler } from '../apiserver/node-proxy/index.js';
import { createMetricsHandler, metricsResourceInfos } from '../apiserver/metrics-api/index.js';
import { bindingHandler, evictionHandler, nodeStreamHandler, reviewHandler, type SpecialDeps } from '../apiserver/handlers/special-handlers.js';
import { ServiceAllocations, strategyAndHooks } from './resource-rules.js';
import { runCompactor } from './compactor.js';
import { openStore } from './datastore.js';
import { bootstrap } from './bootstrap.js';
import { InProcessClient } from './in-process-client.js';
import { CrdController } from '../apiserver/crd/crd-controller.js';
import { HttpKubeClient } from '../client/http-client.js';
import { runControllerManager } from '../controllers/manager.js';
import { allControllers } from '../controllers/index.js';
import { rootCACertPublisherDescriptor } from '../controllers/rootcacertpublisher/root-ca-cert-publisher.js';
import { schedulerDescriptor } from '../scheduler/scheduler.js';
import { startSimNodes } from '../sim/start-sim-nodes.js';
import { NamespaceController } from '../controllers/namespace/namespace-controller.js';
import { DEFAULT_CLUSTER_CIDR, nodeIpamDescriptorWith } from '../controllers/nodeipam/nodeipam-controller.js';
import { CSR_SIGNING_CONTROLLER_NAME, csrSigningDescriptorWith } from '../controllers/certificates/csr-signing-controller.js';
import type { ControllerDescriptor } from '../controllers/types.js';

export interface ControlPlaneOptions {
  dataDir: string;
  httpsPort: number;
  bindAddress: string;
  tlsSans: string[];
  datastoreEndpoint?: string;
  serviceCidr: string;
  logger: Logger;
  /** Run the controller manager and scheduler in this process (default true). */
  controllers?: boolean;
  /** Simulated nodes to register (kwok-style, no containers). */
  simNodes?: number;
  /** CSV of static bearer tokens (token,user,uid,"group1,group2"). */
  tokenAuthFile?: string;
  /** Upstream-format EncryptionConfiguration file (encryption at rest). */
  encryptionProviderConfig?: string;
  /** Audit log (JSON lines) and its upstream-format Policy. */
  auditLogPath?: string;
  auditPolicyFile?: string;
  /** Concurrent requests shared fairly between users (0 turns the limit off; default 200). */
  maxRequestsInflight?: number;
  /** Pod range the node IPAM controller gives each Node a /24 of (default 10.42.0.0/16). */
  clusterCidr?: string;
  /** CSR signer lifetimes in seconds: all signers (--cluster-signing-duration), and per signer name. */
  signingTtlSeconds?: number;
  signingTtlSecondsBySigner?: Record<string, number>;
}

/** Where and as whom a client connects (what HttpKubeClient takes). */
export interface ClientConfig {
  server: string;
  caPem: string;
  certPem?: string;
  keyPem?: string;
  token?: string;
}

export interface RunningControlPlane {
  /** Credentials for a component or test user: a client certificate for user in groups. */
  clientConfig(user: string, groups?: string[]): Promise<ClientConfig>;
  /** A kubelet serving certificate signed by the cluster CA (the API server checks it when streaming). */
  kubeletServingTls(nodeName: string, ips: string[]): Promise<{ certPem: string; keyPem: string; clientCaPem: string }>;
  url: string;
  kubeconfigPath: string;
  port: number;
  client: InProcessClient;
  done: Promise<void>;
}

export async function startControlPlane(o: ControlPlaneOptions, signal: AbortSignal): Promise<RunningControlPlane> {
  const log = o.logger;
  setMaxListeners(0, signal);
  mkdirSync(o.dataDir, { recursive: true, mode: 0o700 });
  const tlsDir = join(o.dataDir, 'tls');
  const ca = await ensureCA(tlsDir, 'cluster-ca');
  const host = hostname();
  const serving = await issueCertificate(ca, {
    commonName: 'kube-apiserver',
    server: true,
    dnsNames: ['localhost', host, 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local', ...o.tlsSans.filter((s) => !isIP(s))],
    ipAddresses: ['127.0.0.1', '::1', firstServiceIP(o.serviceCidr), ...o.tlsSans.filter(isIP), ...(o.bindAddress !== '0.0.0.0' && o.bindAddress !== '::' ? [o.bindAddress] : [])],
  });
  const admin = await issueCertificate(ca, { commonName: 'admin', organizations: ['system:masters'], client: true, validDays: 3650 });

  let store: Store = await openStore(o.dataDir, o.datastoreEndpoint, log);
  // Encryption at rest (EncryptionConfiguration): values of the configured resources never reach the store in plaintext.
  if (o.encryptionProviderConfig) store = new EncryptedStore(store, loadEncryptionConfig(o.encryptionProviderConfig).transformerFor);
  const audit = o.auditLogPath ? new AuditLogger({ logPath: o.auditLogPath, policyPath: o.auditPolicyFile }) : undefined;
  if (audit) signal.addEventListener('abort', () => void audit.close(), { once: true });
  const schemas = SchemaRegistry.builtin();
  const machinery = createMachinery(schemas);
  const catalog = new ResourceCatalog([...builtinResources, ...metricsResourceInfos], groupOrder.map((g) => g.group));
  const storages = new Map<ResourceInfo, ResourceStorage>();
  const byPlural = new Map<string, ResourceStorage>();
  const ctx = { services: new ServiceAllocations(o.serviceCidr) };
  let authz: Authorization | undefined;
  // Decisions for admission plugins that check permissions (CSR approval/signing); RBAC once synced.
  const lateAuthorizer: Authorizer = {
    authorize: (a) => (authz ? authz.authorizer.authorize(a) : Promise.resolve({ decision: a.user.groups.includes('system:masters') ? 'allow' : 'noOpinion', reason: '' })),
  };
  // Admission: mutating then validating plugins in upstream's order, run before each write's own hooks.
  const admission = chainOf([
    ...csrAdmissionPlugins(lateAuthorizer),
    ...defaultPlugins({ lookup: lookupFromStorages((g, p) => byPlural.get(`${g}/${p}`)) }),
  ]);
  // Storage-version resources first, so shared storages are built with the stored layout.
  const isStorageVersion = (i: ResourceInfo) => {
    const c = sharedStorage[`${i.group}/${i.plural}`]?.converter;
    return !c || c.storageVersion === (i.group ? `${i.group}/${i.version}` : i.version);
  };
  const ordered = [...builtinResources.filter(isStorageVersion), ...builtinResources.filter((i) => !isStorageVersion(i))];
  for (const info of ordered) {
    if (info.virtual) continue;
    const key = sharedStorage[`${info.group}/${info.plural}`]?.storageKey ?? `${info.group}/${info.plural}`;
    // Several versions of one resource (autoscaling v1/v2) share one storage.
    let s = byPlural.get(key);
    if (!s) {
      const { strategy, hooks: baseHooks } = strategyAndHooks(info, ctx);
      // RBAC escalation prevention on Role/Binding writes (the authorizer is ready after bootstrap).
      const hooks = admissionHooks(admission, info, { ...baseHooks, ...escalationHooks(info, () => authz?.escalation) });
      s = new ResourceStorage(info, store, strategy, {
        checkFields: (obj) => machinery.checkFields(info, obj),
        validateMeta: (obj, isCreate) => machinery.validateMeta(info, obj, isCreate),
      }, hooks);
      byPlural.set(key, s);
    }
    storages.set(info, s);
  }
  await Promise.all([...byPlural.values()].map((s) => s.start(signal)));
  ctx.services.seed((await byPlural.get('/services')!.list('', { filter: null })).items);
  void runCompactor(store, log, signal);

  const namespaces = byPlural.get('/namespaces')!;
  const checkNamespace = async (ns: string) => {
    const obj = await namespaces.getCached('', ns);
    if (!obj) throw errors.notFound('namespaces', '', ns);
    if (obj.metadata.deletionTimestamp || (obj as any).status?.phase === 'Terminating') {
      throw errors.forbidden(`unable to create new content in namespace ${ns} because it is being terminated`, { name: ns, kind: 'namespaces' });
    }
  };

  // Streams to kubelets (logs, exec, attach, port-forward, metrics) use the API server's kubelet client identity.
  const kubeletClient = await issueCertificate(ca, { commonName: 'kube-apiserver-kubelet-client', client: true, validDays: 3650 });
  const kubeletTls = { caPem: ca.certPem, certPem: kubeletClient.certPem, keyPem: kubeletClient.keyPem };
  const podsStore = byPlural.get('/pods')!;
  const nodesStore = byPlural.get('/nodes')!;
  const nodeProxy = createNodeProxy({
    getPod: async (ns, name) => (await podsStore.getCached(ns, name)) as any,
    getNode: async (name) => (await nodesStore.getCached('', name)) as any,
    tls: kubeletTls,
    logger: log.child({ component: 'node-proxy' }),
  });
  const metricsHandler = createMetricsHandler({
    listNodes: async () => (await nodesStore.list('', { filter: null })).items as any,
    listPods: async (ns: string) => (await podsStore.list(ns, { filter: null })).items as any,
    tls: kubeletTls,
    logger: log.child({ component: 'metrics' }),
  });
  const specialDeps: SpecialDeps = {
    machinery,
    storage: (group, plural) => byPlural.get(`${group}/${plural}`)!,
    authorize: (u, a) => (authz ? authz.reviewAuthorize(u, a) : Promise.resolve({ allowed: false })),
    rulesReview: (u, ns) => authz!.rulesReview(u, ns),
  };
  // Bearer tokens: ServiceAccount JWTs, bootstrap tokens, a static token file; TokenRequest/TokenReview.
  const authn = await createAuthentication({ dataDir: o.dataDir, machinery, storage: (g, p) => byPlural.get(`${g}/${p}`), tokenAuthFile: o.tokenAuthFile, ca });
  const authenticator = new Authenticator(authn.tokenAuthenticators);
  let ready = false;
  const metrics = new Metrics();
  const openapi = new OpenAPIService(catalog, (group, version) => buildOpenAPIv3(schemas, { group, version }, catalog.resourcesIn(group, version)), () => schemas.version);
  const server = new ApiServer({
    bindAddress: o.bindAddress,
    port: o.httpsPort,
    tls: { certPem: serving.certPem + ca.certPem, keyPem: serving.keyPem, clientCaPem: ca.certPem },
    catalog,
    machinery,
    storages,
    authenticator,
    // Until the RBAC caches are filled only system:masters may act (the server is not ready anyway).
    authorizer: lateAuthorizer,
    fairQueue: o.maxRequestsInflight === 0 ? undefined : new FairQueue({ totalConcurrency: o.maxRequestsInflight ?? 200 }),
    audit,
    metrics,
    openapi,
    logger: log,
    isReady: () => ready,
    checkNamespace,
    converterFor: (info) => sharedStorage[`${info.group}/${info.plural}`]?.converter,
    special: [
      bindingHandler(specialDeps),
      evictionHandler(specialDeps),
      // Metrics first: the review handler answers every other virtual resource.
      metricsHandler,
      ...authn.specialHandlers,
      reviewHandler(specialDeps),
      nodeStreamHandler((r, ri, ctx, q) => nodeProxy.handleRequest(r, ri, q, ctx)),
    ],
    onUpgrade: createUpgradeHandler({ proxy: nodeProxy, authenticate: (req) => authenticator.authenticate(req), logger: log.child({ component: 'node-proxy' }) }),
  });
  await server.listen(signal);
  const port = server.address!.port;
  const url = `https://127.0.0.1:${port}`;
  const kubeconfigPath = join(o.dataDir, 'kubeconfig.yaml');
  writeKubeconfig(kubeconfigPath, { server: url, caPem: ca.certPem, clientCertPem: admin.certPem, clientKeyPem: admin.keyPem, user: 'admin' });
  const clientConfig = async (user: string, groups: string[] = []): Promise<ClientConfig> => {
    const cert = await issueCertificate(ca, { commonName: user, organizations: groups, client: true });
    return { server: url, caPem: ca.certPem, certPem: cert.certPem, keyPem: cert.keyPem };
  };
  const client = new InProcessClient(byPlural);
  await bootstrap(client, o.serviceCidr, port);
  // Upstream's default ClusterRoles and bindings, then the authorizer on informers of the RBAC objects.
  await reconcileDefaultRBAC(client, { nodeRoleUsers: ['system:k8ts-sim'] });
  const authzClient = new HttpKubeClient({ ...(await clientConfig('system:apiserver', ['system:masters'])), userAgent: 'kube-apiserver-authorizer (k8ts)' });
  const authzInformers = createSharedInformerFactory(authzClient);
  const pendingAuthz = createAuthorization(authzInformers);
  authzInformers.start(signal);
  signal.addEventListener('abort', () => authzClient.close(), { once: true });
  await authzInformers.waitForSync(signal);
  authz = pendingAuthz;
  await new CrdController({
    crds: byPlural.get('apiextensions.k8s.io/customresourcedefinitions')!,
    catalog,
    schemas,
    store,
    machinery,
    storages,
    context: () => client.context(),
    logger: log.child({ controller: 'crd' }),
  }).run(signal);
  const background: Promise<unknown>[] = [];
  if (o.controllers !== false) {
    // The controller manager and scheduler are API clients with their own identities, as upstream.
    const cm = new HttpKubeClient({ ...(await clientConfig('system:kube-controller-manager')), userAgent: 'kube-controller-manager/v1.32.4 (k8ts)' });
    // Each manager releases its Lease on the way out (a standby takes over at once), then closes its client.
    // Each controller acts as its own ServiceAccount (one client per account), bound to system:controller:<name>.
    const controllerClients = new Map<string, Promise<HttpKubeClient>>();
    const clientFor = async (controller: string) => {
      const u = controllerUser(controller);
      if (!u) {
        log.warn({ controller }, 'controller has no ServiceAccount (src/auth/authz/controller-identities.ts): it acts as system:kube-controller-manager, which may only read');
        return undefined;
      }
      let c = controllerClients.get(u.username);
      if (!c) controllerClients.set(u.username, (c = clientConfig(u.username, u.groups).then((cfg) => new HttpKubeClient({ ...cfg, userAgent: `kube-controller-manager/v1.32.4 (k8ts) ${controller}` }))));
      return c;
    };
    const closeControllerClients = () => {
      for (const c of controllerClients.values()) void c.then((x) => x.close());
      controllerClients.clear();
    };
    background.push(runControllerManager({ client: cm, clientFor, controllers: [...allControllers, ...withSigningTtl(authn.controllers, ca, o), rootCACertPublisherDescriptor(ca.certPem), nodeIpamDescriptorWith({ clusterCIDR: o.clusterCidr ?? DEFAULT_CLUSTER_CIDR })], logger: log.child({ component: 'controller-manager' }), leaseName: 'kube-controller-manager', component: 'controller-manager' }, signal).finally(() => {
      closeControllerClients();
      cm.close();
    }));
    const sched = new HttpKubeClient({ ...(await clientConfig('system:kube-scheduler')), userAgent: 'kube-scheduler/v1.32.4 (k8ts)' });
    background.push(runControllerManager({ client: sched, controllers: [schedulerDescriptor], logger: log.child({ component: 'scheduler' }), leaseName: 'kube-scheduler', component: 'default-scheduler' }, signal).finally(() => sched.close()));
  }
  if (o.simNodes) startSimNodes(await clientConfig('system:k8ts-sim', ['system:nodes']), o.simNodes, log.child({ component: 'sim' }), signal);
  void new NamespaceController({ client, storages: () => [...new Set(storages.values())], logger: log.child({ controller: 'namespace' }) }).run(signal);
  ready = true;
  // On shutdown the managers finish (releasing their Leases through the still-open server) before the store closes.
  const done = new Promise<void>((resolve) =>
    signal.addEventListener('abort', () => void withDeadline(Promise.allSettled(background), 5000).then(() => store.close()).finally(resolve), { once: true }),
  );
  const kubeletServingTls = async (nodeName: string, ips: string[]) => {
    const cert = await issueCertificate(ca, { commonName: `system:node:${nodeName}`, organizations: ['system:nodes'], server: true, dnsNames: [nodeName, 'localhost'], ipAddresses: ips });
    return { certPem: cert.certPem, keyPem: cert.keyPem, clientCaPem: ca.certPem };
  };
  return { url, kubeconfigPath, port, client, done, clientConfig, kubeletServingTls };
}

/** The CSR signer with the configured certificate lifetimes in place of the default one. */
function withSigningTtl(controllers: ControllerDescriptor[], ca: Parameters<typeof csrSigningDescriptorWith>[0]['ca'], o: ControlPlaneOptions): ControllerDescriptor[] {
  if (o.signingTtlSeconds === undefined && !o.signingTtlSecondsBySigner) return controllers;
  return controllers.map((d) => (d.name === CSR_SIGNING_CONTROLLER_NAME ? csrSigningDescriptorWith({ ca, ttlSeconds: o.signingTtlSeconds, ttlSecondsBySigner: o.signingTtlSecondsBySigner }) : d));
}

function isIP(s: string): boolean {
  return /^\d+\.\d+\.\d+\.\d+$/.test(s) || s.includes(':');
}

export function firstServiceIP(cidr: string): string {
  const [base] = cidr.split('/');
  const p = base!.split('.').map(Number);
  p[3] = p[3]! + 1;
  return p.join('.');
}


function withDeadline<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  return Promise.race([p, sleep(ms, undefined, { ref: false })]);
}
