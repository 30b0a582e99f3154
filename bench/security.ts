// Security chain benchmark (issue 7): what authentication + RBAC + admission add to a request,
// with 1,000 RoleBindings in the cluster, and what API fairness gives a well-behaved client while
// another floods the server.
//
//   node --import tsx bench/security.ts [--quick] [--bindings=N] [--requests=N] [--seconds=S] [--inflight=N]
//
// Figures:
//  - in process: RBAC authorize (1,000 bindings) and the admission chain for a pod create, p50/p99;
//  - over HTTPS against an in-process control plane, sequential requests, p50/p99 of
//    GET configmap as system:masters (the bare path: certificate checked once per connection, no
//    RBAC, reads skip admission) versus as an RBAC user (certificate) and a ServiceAccount
//    (token: a JWT verified per request); POST configmap / pod as masters and as the RBAC user;
//  - fairness: requests/s of a client with 1 request in flight while another keeps 64 in flight,
//    with the server limited to 8 executing requests, versus the same client alone.
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { startControlPlane } from '../src/controlplane/control-plane.js';
import { HttpKubeClient } from '../src/client/http-client.js';
import type { ClientConfig } from '../src/controlplane/control-plane.js';
import { R } from '../src/client/resources.js';
import { builtinResources } from '../src/api/registry/builtin.js';
import { RBACAuthorizer, UnionAuthorizer, PrivilegedGroupAuthorizer, defaultClusterRoles, defaultClusterRoleBindings, indexFrom, type BindingObject, type RoleObject } from '../src/auth/authz/index.js';
import { chainOf, defaultPlugins, staticLookup } from '../src/auth/admission/index.js';
import type { KubeObject } from '../src/api/object.js';
import { summarize, type LatencySummary } from './lib/stats.js';

const args = process.argv.slice(2);
const flag = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const quick = args.includes('--quick');
const BINDINGS = Number(flag('bindings') ?? 1000);
const REQUESTS = Number(flag('requests') ?? (quick ? 300 : 2000));
const SECONDS = Number(flag('seconds') ?? (quick ? 1.5 : 4));
const NAMESPACES = 100;
const INFLIGHT = Number(flag('inflight') ?? 8);
const FLOOD = 64;
const t0 = Date.now();
const log = (s: string) => process.stderr.write(`[bench/security +${((Date.now() - t0) / 1000).toFixed(1)}s] ${s}\n`);

const rbacGroup = 'rbac.authorization.k8s.io';
const role = (namespace: string, name: string, resources: string[]): RoleObject => ({
  apiVersion: `${rbacGroup}/v1`, kind: 'Role', metadata: { namespace, name },
  rules: [{ apiGroups: [''], resources, verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'] }],
});
const binding = (namespace: string, name: string, roleName: string, subject: { kind: string; name: string; namespace?: string }): BindingObject => ({
  apiVersion: `${rbacGroup}/v1`, kind: 'RoleBinding', metadata: { namespace, name },
  roleRef: { apiGroup: rbacGroup, kind: 'Role', name: roleName },
  subjects: [subject.kind === 'User' ? { ...subject, apiGroup: rbacGroup } : subject] as BindingObject['subjects'],
});

/** The filler: BINDINGS RoleBindings for other users, spread over NAMESPACES namespaces. */
function fillerBindings(): BindingObject[] {
  const out: BindingObject[] = [];
  for (let i = 0; i < BINDINGS; i++) out.push(binding(`bench-${i % NAMESPACES}`, `filler-${i}`, 'worker', { kind: 'User', name: `user-${i}` }));
  return out;
}

async function timeIt(n: number, f: (i: number) => Promise<unknown> | unknown): Promise<LatencySummary> {
  const lat: number[] = [];
  const start = performance.now();
  for (let i = 0; i < n; i++) {
    const s = performance.now();
    await f(i);
    lat.push(performance.now() - s);
  }
  return summarize(lat, (performance.now() - start) / 1000);
}

const fmt = (s: LatencySummary) => `p50 ${s.p50ms.toFixed(3)} ms  p99 ${s.p99ms.toFixed(3)} ms  (${s.opsPerSec.toFixed(0)}/s)`;

async function inProcess(): Promise<void> {
  const roles = [...defaultClusterRoles(), ...Array.from({ length: NAMESPACES }, (_, i) => role(`bench-${i}`, 'worker', ['configmaps', 'pods'])), role('bench', 'worker', ['configmaps', 'pods'])];
  const idx = indexFrom({ clusterRoles: roles.filter((r) => r.kind === 'ClusterRole'), roles: roles.filter((r) => r.kind === 'Role'), clusterRoleBindings: defaultClusterRoleBindings(), roleBindings: [...fillerBindings(), binding('bench', 'alice', 'worker', { kind: 'User', name: 'alice' })] });
  const authorizer = new UnionAuthorizer([new PrivilegedGroupAuthorizer(), new RBACAuthorizer(idx)]);
  const attrs = (user: string, groups: string[], verb: string) => ({ user: { username: user, groups }, verb, isResourceRequest: true, apiGroup: '', apiVersion: 'v1', resource: 'configmaps', subresource: '', namespace: 'bench', name: 'x', path: '' });
  const n = REQUESTS * 10;
  const allowed = await timeIt(n, () => authorizer.authorize(attrs('alice', ['system:authenticated'], 'get')));
  const denied = await timeIt(n, () => authorizer.authorize(attrs('mallory', ['system:authenticated'], 'get')));
  const masters = await timeIt(n, () => authorizer.authorize(attrs('admin', ['system:masters', 'system:authenticated'], 'get')));
  console.log(`in process, ${BINDINGS} RoleBindings:`);
  console.log(`  authorize system:masters          ${fmt(masters)}`);
  console.log(`  authorize RBAC allow              ${fmt(allowed)}`);
  console.log(`  authorize RBAC deny               ${fmt(denied)}`);

  const lookup = staticLookup({
    '/namespaces': [{ metadata: { name: 'bench', labels: { 'pod-security.kubernetes.io/enforce': 'baseline' } } } as KubeObject],
    '/serviceaccounts': [{ metadata: { name: 'default', namespace: 'bench' } } as KubeObject],
    '/limitranges': [{ metadata: { name: 'lr', namespace: 'bench' }, spec: { limits: [{ type: 'Container', default: { cpu: '500m' } }] } } as KubeObject],
    '/resourcequotas': [{ metadata: { name: 'q', namespace: 'bench' }, spec: { hard: { pods: '1000000' } }, status: { hard: { pods: '1000000' }, used: { pods: '0' } } } as KubeObject],
  });
  const chain = chainOf(defaultPlugins({ lookup }));
  const pods = builtinResources.find((r) => r.group === '' && r.plural === 'pods')!;
  const admission = await timeIt(REQUESTS * 5, async (i) => {
    const a = { operation: 'CREATE' as const, info: pods, subresource: '', namespace: 'bench', name: `p${i}`, object: { apiVersion: 'v1', kind: 'Pod', metadata: { name: `p${i}`, namespace: 'bench' }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } as KubeObject, user: { username: 'alice', groups: ['system:authenticated'] }, dryRun: false, warnings: [] };
    await chain.admit(a);
    await chain.validate(a);
  });
  console.log(`  admission chain, pod create       ${fmt(admission)}  (${chain.plugins.map((p) => p.name).join(', ')})`);
}

async function overHttps(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'k8ts-bench-security-'));
  const ac = new AbortController();
  const clients: HttpKubeClient[] = [];
  try {
    const cp = await startControlPlane({ dataDir, httpsPort: 0, bindAddress: '127.0.0.1', tlsSans: [], serviceCidr: '10.43.0.0/16', controllers: false, simNodes: 0, maxRequestsInflight: INFLIGHT, logger: pino({ level: 'silent' }) }, ac.signal);
    const client = async (user: string, groups: string[] = []) => {
      const c = new HttpKubeClient({ ...(await cp.clientConfig(user, groups)), requestTimeoutMs: 60_000 });
      clients.push(c);
      return c;
    };
    const admin = await client('admin', ['system:masters']);
    log(`filling ${BINDINGS} RoleBindings in ${NAMESPACES} namespaces`);
    for (let i = 0; i < NAMESPACES; i++) {
      await admin.create(R.namespaces, '', { metadata: { name: `bench-${i}` } });
      await admin.create(R.roles, `bench-${i}`, role(`bench-${i}`, 'worker', ['configmaps']) as KubeObject);
    }
    const filler = fillerBindings();
    for (let i = 0; i < filler.length; i += 50) await Promise.all(filler.slice(i, i + 50).map((b) => admin.create(R.rolebindings, b.metadata.namespace!, b as KubeObject)));
    await admin.create(R.namespaces, '', { metadata: { name: 'bench' } });
    await admin.create(R.serviceaccounts, 'bench', { metadata: { name: 'default' } });
    await admin.create(R.serviceaccounts, 'bench', { metadata: { name: 'robot' } });
    await admin.create(R.roles, 'bench', role('bench', 'worker', ['configmaps', 'pods']) as KubeObject);
    for (const [name, subject] of [['alice', { kind: 'User', name: 'alice' }], ['robot', { kind: 'ServiceAccount', name: 'robot', namespace: 'bench' }], ['flood', { kind: 'User', name: 'flood' }], ['polite', { kind: 'User', name: 'polite' }]] as const) {
      await admin.create(R.rolebindings, 'bench', binding('bench', name, 'worker', subject) as KubeObject);
    }
    await admin.create(R.configmaps, 'bench', { metadata: { name: 'x' }, data: { k: 'v' } } as KubeObject);
    const tokenReview: any = await admin.createSubresource(R.serviceaccounts, 'bench', 'robot', 'token', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 3600 } });
    const alice = await client('alice');
    const robot = new HttpKubeClient({ server: cp.url, caPem: (await cp.clientConfig('unused')).caPem, token: tokenReview.status.token });
    clients.push(robot);
    // The RBAC informers see the last binding a moment after it is written.
    for (let i = 0; ; i++) {
      try {
        await alice.get(R.configmaps, 'bench', 'x');
        await robot.get(R.configmaps, 'bench', 'x');
        break;
      } catch (e) {
        if (i > 200) throw e;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    const warm = async (c: HttpKubeClient) => { for (let i = 0; i < 100; i++) await c.get(R.configmaps, 'bench', 'x'); };
    await warm(admin);
    await warm(alice);
    await warm(robot);
    console.log(`\nover HTTPS (HTTP/2, one request at a time, ${REQUESTS} each):`);
    const bare = await timeIt(REQUESTS, () => admin.get(R.configmaps, 'bench', 'x'));
    const rbacGet = await timeIt(REQUESTS, () => alice.get(R.configmaps, 'bench', 'x'));
    const tokenGet = await timeIt(REQUESTS, () => robot.get(R.configmaps, 'bench', 'x'));
    console.log(`  GET configmap, system:masters (bare)   ${fmt(bare)}`);
    console.log(`  GET configmap, RBAC user (cert)        ${fmt(rbacGet)}   added p50 ${(rbacGet.p50ms - bare.p50ms).toFixed(3)} ms, p99 ${(rbacGet.p99ms - bare.p99ms).toFixed(3)} ms`);
    console.log(`  GET configmap, ServiceAccount (token)  ${fmt(tokenGet)}   added p50 ${(tokenGet.p50ms - bare.p50ms).toFixed(3)} ms, p99 ${(tokenGet.p99ms - bare.p99ms).toFixed(3)} ms`);
    const writes = Math.max(100, Math.floor(REQUESTS / 4));
    const cmMasters = await timeIt(writes, (i) => admin.create(R.configmaps, 'bench', { metadata: { name: `m${i}` } }));
    const cmAlice = await timeIt(writes, (i) => alice.create(R.configmaps, 'bench', { metadata: { name: `a${i}` } }));
    const podAlice = await timeIt(writes, (i) => alice.create(R.pods, 'bench', { metadata: { name: `p${i}` }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } as KubeObject));
    console.log(`  POST configmap, system:masters         ${fmt(cmMasters)}`);
    console.log(`  POST configmap, RBAC user              ${fmt(cmAlice)}`);
    console.log(`  POST pod, RBAC user (full admission)   ${fmt(podAlice)}`);

    console.log(`\nfairness (server limit ${INFLIGHT} executing requests; GET configmap; each client in a process of its own):`);
    const f = await fairnessInChildren({ polite: await cp.clientConfig('polite'), flood: await cp.clientConfig('flood'), seconds: SECONDS });
    console.log(`  well-behaved client alone (1 in flight)          ${f.alone.opsPerSec.toFixed(0)} req/s, p50 ${f.alone.p50ms.toFixed(2)} ms, p99 ${f.alone.p99ms.toFixed(2)} ms`);
    console.log(`  well-behaved client during flood (1 in flight)   ${f.polite.opsPerSec.toFixed(0)} req/s, p50 ${f.polite.p50ms.toFixed(2)} ms, p99 ${f.polite.p99ms.toFixed(2)} ms, errors ${f.polite.errors}`);
    console.log(`  flooding client (${FLOOD} in flight)                 ${f.flood.opsPerSec.toFixed(0)} req/s, p50 ${f.flood.p50ms.toFixed(2)} ms, p99 ${f.flood.p99ms.toFixed(2)} ms, 429s/errors ${f.flood.errors}`);
    console.log(`  per request in flight: well-behaved ${f.polite.opsPerSec.toFixed(0)} req/s, flooder ${(f.flood.opsPerSec / FLOOD).toFixed(0)} req/s`);
    console.log(`\nRSS ${(process.memoryUsage().rss / 1048576).toFixed(0)} MiB (server and client in one process)`);
  } finally {
    for (const c of clients) c.close();
    ac.abort();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

interface FairnessJob {
  client: ClientConfig;
  inflight: number;
  seconds: number;
}
interface FairnessResult {
  alone: LatencySummary;
  polite: LatencySummary;
  flood: LatencySummary;
}

/**
 * Each client runs in a child process of its own, so that neither the server's event loop nor the
 * other client's response handling is counted against the well-behaved client.
 */
function clientInChild(job: FairnessJob): Promise<LatencySummary> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(import.meta.url), ['--fairness-client'], { execArgv: process.execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    child.on('message', (m: LatencySummary) => resolve(m));
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`fairness client exited with ${code}`)));
    child.send(job);
  });
}

async function fairnessInChildren(jobs: { polite: ClientConfig; flood: ClientConfig; seconds: number }): Promise<FairnessResult> {
  const polite = (seconds: number) => clientInChild({ client: jobs.polite, inflight: 1, seconds });
  await polite(0.5); // warm the server's caches and authenticator
  const alone = await polite(jobs.seconds);
  const [contended, flood] = await Promise.all([polite(jobs.seconds), clientInChild({ client: jobs.flood, inflight: FLOOD, seconds: jobs.seconds })]);
  return { alone, polite: contended, flood };
}

async function fairnessClient(job: FairnessJob): Promise<LatencySummary> {
  const client = new HttpKubeClient(job.client);
  await client.get(R.configmaps, 'bench', 'x'); // connect before the clock starts
  const until = performance.now() + job.seconds * 1000;
  const lat: number[] = [];
  let errors = 0;
  const loop = async () => {
    while (performance.now() < until) {
      const s = performance.now();
      try {
        await client.get(R.configmaps, 'bench', 'x');
        lat.push(performance.now() - s);
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: job.inflight }, loop));
  client.close();
  return summarize(lat, job.seconds, errors);
}

if (args.includes('--fairness-client')) {
  process.once('message', (job: FairnessJob) => {
    void fairnessClient(job).then((r) => process.send!(r, () => process.exit(0)));
  });
} else {
  await inProcess();
  await overHttps();
  process.exit(0);
}
