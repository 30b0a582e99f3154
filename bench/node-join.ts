// Node join and node IPAM benchmark (issues 4/7): what a joining node waits for, against an
// in-process control plane with its controller manager.
//
//   node --import tsx bench/node-join.ts [--quick] [--joins=N] [--nodes=N]
//
// Figures:
//  - join latency: token → CA checked → node client certificate issued (CSR created, approved
//    after a SubjectAccessReview, signed, polled), p50/p99, for joins one at a time and all at once;
//  - node IPAM: N Nodes created at once → time until every one has a spec.podCIDR (and per-node rate);
//  - RSS of the process (control plane + joiners) at the end.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { startControlPlane } from '../src/controlplane/control-plane.js';
import { HttpKubeClient } from '../src/client/http-client.js';
import { R } from '../src/client/resources.js';
import { tokenCommand } from '../src/cli/token-command.js';
import { joinCluster } from '../src/agent/join/node-join.js';
import { summarize, type LatencySummary } from './lib/stats.js';

const arg = (name: string, dflt: number) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? dflt);
const quick = process.argv.includes('--quick');
const JOINS = arg('joins', quick ? 5 : 20);
const NODES = arg('nodes', quick ? 50 : 250);

const fmt = (s: LatencySummary) => `p50 ${s.p50ms.toFixed(0)} ms  p99 ${s.p99ms.toFixed(0)} ms  max ${s.maxms.toFixed(0)} ms  (${s.ops} joins)`;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'k8ts-bench-join-'));
  const ac = new AbortController();
  const logger = pino({ level: 'silent' });
  const cp = await startControlPlane({ dataDir: join(dir, 'server'), httpsPort: 0, bindAddress: '127.0.0.1', tlsSans: [], serviceCidr: '10.43.0.0/16', clusterCidr: '10.42.0.0/16', logger }, ac.signal);
  const admin = HttpKubeClient.fromKubeconfig(cp.kubeconfigPath);
  try {
    const out: string[] = [];
    await tokenCommand(['create', '--with-ca-hash', '--kubeconfig', cp.kubeconfigPath], (s) => void out.push(s));
    const token = out.join('').trim();
    const joinOne = async (name: string) => {
      const t0 = performance.now();
      await joinCluster({ server: cp.url, token, nodeName: name, dataDir: join(dir, name), logger }, ac.signal);
      return performance.now() - t0;
    };
    await joinOne('warmup');
    const serial: number[] = [];
    const s0 = performance.now();
    for (let i = 0; i < JOINS; i++) serial.push(await joinOne(`s${i}`));
    const serialSummary = summarize(serial, (performance.now() - s0) / 1000);
    const c0 = performance.now();
    const concurrent = await Promise.all(Array.from({ length: JOINS }, (_, i) => joinOne(`c${i}`)));
    const concurrentSummary = summarize(concurrent, (performance.now() - c0) / 1000);

    const i0 = performance.now();
    await Promise.all(Array.from({ length: NODES }, (_, i) => admin.create(R.nodes, '', { apiVersion: 'v1', kind: 'Node', metadata: { name: `ipam-${i}` }, spec: {} })));
    for (;;) {
      const list = await admin.list(R.nodes, '');
      const done = list.items.filter((n: any) => n.metadata.name.startsWith('ipam-') && n.spec?.podCIDR).length;
      if (done === NODES) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const ipamMs = performance.now() - i0;
    const cidrs = new Set((await admin.list(R.nodes, '')).items.map((n: any) => n.spec?.podCIDR).filter(Boolean));

    console.log('node join (token → CA → node certificate), in-process control plane');
    console.log(`  one at a time   ${fmt(serialSummary)}`);
    console.log(`  ${String(JOINS).padStart(3)} at once     ${fmt(concurrentSummary)}  wall ${(concurrentSummary.seconds * 1000).toFixed(0)} ms`);
    console.log(`node IPAM: ${NODES} Nodes created at once → all have a podCIDR in ${ipamMs.toFixed(0)} ms (${(NODES / (ipamMs / 1000)).toFixed(0)} nodes/s), ${cidrs.size} distinct ranges`);
    console.log(`RSS ${(process.memoryUsage().rss / 1048576).toFixed(0)} MiB`);
  } finally {
    admin.close();
    ac.abort();
    await cp.done;
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(() => process.exit(0), (err) => {
  console.error(err);
  process.exit(1);
});
