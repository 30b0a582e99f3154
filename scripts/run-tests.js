#!/usr/bin/env node
// Runs the test suites (run `npm run build` first): unit, store, integration, node, then e2e against
// shared servers: one with simulated nodes (admin kubeconfig in K8TS_TEST_KUBECONFIG) and, where
// containers can run, one with a real node for test/e2e/node/ (K8TS_TEST_NODE_KUBECONFIG). Each group is one
// `node --test` invocation whose TAP summary is passed through; the last line totals all groups.
//
// Usage: node scripts/run-tests.js [unit] [store] [integration] [node] [e2e]   (default: all)
// Owns only the processes it starts (test runners by pid, the shared servers through their stop()).
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// Tests run from their TypeScript sources through tsx, so fixtures and helper files resolve next to
// them; the server they start is the built dist (bin/k8ts.js), so `npm run build` must run first.
const tests = path.join(root, 'test');

const MINUTE = 60_000;
const GROUPS = [
  { name: 'unit', dir: path.join(tests, 'unit'), recursive: true, budgetMs: 5 * MINUTE, testTimeoutMs: 60_000 },
  { name: 'store', dir: path.join(tests, 'store'), recursive: false, budgetMs: 8 * MINUTE, testTimeoutMs: 120_000 },
  { name: 'integration', dir: path.join(tests, 'integration'), recursive: false, budgetMs: 10 * MINUTE, testTimeoutMs: 180_000 },
  // Real containers through containerd (root only; the files skip themselves otherwise). Sequential:
  // each file runs its own containerd and registry.
  { name: 'node', dir: path.join(tests, 'node'), recursive: false, budgetMs: 10 * MINUTE, testTimeoutMs: 300_000, concurrency: 1 },
  { name: 'e2e', dir: path.join(tests, 'e2e'), recursive: true, budgetMs: 15 * MINUTE, testTimeoutMs: 300_000, sharedServer: true },
];

/** Node 20's --test does not expand globs, so the file list is built here. */
function testFiles(dir, recursive) {
  if (!existsSync(dir)) return [];
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory() && recursive) out.push(...testFiles(full, true));
    else if (entry.isFile() && entry.name.endsWith('.test.ts')) out.push(full);
  }
  return out.sort();
}

/** Runs one `node --test` group, echoing its output; resolves with its exit code and TAP counts. */
function runGroup(group, files, env) {
  return new Promise((resolve) => {
    const args = ['--import', 'tsx', '--test', '--test-reporter=tap', `--test-concurrency=${group.concurrency ?? 2}`, `--test-timeout=${group.testTimeoutMs}`, ...files];
    const child = spawn(process.execPath, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'inherit'] });
    let tail = '';
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      tail = (tail + chunk.toString('utf8')).slice(-4096);
    });
    const watchdog = setTimeout(() => {
      console.error(`\n# run-tests: ${group.name} exceeded ${group.budgetMs / MINUTE} min, stopping pid ${child.pid}`);
      try { process.kill(child.pid, 'SIGKILL'); } catch { /* already gone */ }
    }, group.budgetMs);
    child.on('close', (code, signal) => {
      clearTimeout(watchdog);
      const count = (label) => Number(tail.match(new RegExp(`^# ${label} (\\d+)$`, 'm'))?.[1] ?? 0);
      resolve({ code: code ?? (signal ? 1 : 0), pass: count('pass'), fail: count('fail') + count('cancelled') });
    });
  });
}

async function startSharedServer() {
  const support = path.join(root, 'dist', 'test', 'support', 'cluster.js');
  const { startCluster } = await import(pathToFileURL(support).href);
  // Three simulated nodes, so workload tests see pods scheduled and running.
  return startCluster({ noAgent: true, extraArgs: ['--sim-nodes', '3'] });
}

/** A second shared server with a real node (containerd), for test/e2e/node/; null where it cannot run. */
async function startSharedNodeServer() {
  const support = path.join(root, 'dist', 'test', 'support', 'node-cluster.js');
  const { startNodeCluster, nodeClusterUnavailable } = await import(pathToFileURL(support).href);
  const why = nodeClusterUnavailable();
  if (why) {
    console.log(`# run-tests: no real node for test/e2e/node (${why}); those files skip`);
    return null;
  }
  return startNodeCluster();
}

async function main() {
  const wanted = process.argv.slice(2);
  const groups = wanted.length ? GROUPS.filter((g) => wanted.includes(g.name)) : GROUPS;
  let pass = 0;
  let fail = 0;
  const failedGroups = [];
  for (const group of groups) {
    const files = testFiles(group.dir, group.recursive);
    if (files.length === 0) {
      console.log(`# run-tests: no ${group.name} tests in ${path.relative(root, group.dir)}`);
      continue;
    }
    console.log(`# run-tests: ${group.name}: ${files.length} file(s)`);
    const env = { ...process.env };
    const servers = [];
    if (group.sharedServer) {
      try {
        const server = await startSharedServer();
        servers.push(server);
        env.K8TS_TEST_KUBECONFIG = server.kubeconfig;
        console.log(`# run-tests: shared server ${server.url} (data dir ${server.dataDir})`);
        const nodeServer = await startSharedNodeServer();
        if (nodeServer) {
          servers.push(nodeServer);
          env.K8TS_TEST_NODE_KUBECONFIG = nodeServer.kubeconfig;
          console.log(`# run-tests: shared real-node server ${nodeServer.url} (node ${nodeServer.nodeName} at ${nodeServer.nodeIP})`);
        }
      } catch (e) {
        for (const s of servers) await s.stop().catch(() => undefined);
        console.log(`# run-tests: shared server failed to start: ${String(e?.message ?? e).split('\n').join('\n# ')}`);
        failedGroups.push(group.name);
        fail += files.length;
        continue;
      }
    }
    const started = Date.now();
    let result;
    try {
      result = await runGroup(group, files, env);
    } finally {
      for (const s of servers) await s.stop();
    }
    console.log(`# run-tests: ${group.name} took ${((Date.now() - started) / 1000).toFixed(1)} s`);
    pass += result.pass;
    fail += result.fail;
    if (result.code !== 0 || result.fail > 0) failedGroups.push(group.name);
  }
  if (failedGroups.length) console.log(`# run-tests: failed groups: ${failedGroups.join(', ')}`);
  console.log(`${pass} passed, ${fail} failed`);
  process.exitCode = failedGroups.length ? 1 : 0;
}

main().catch((e) => {
  console.error(e?.stack ?? String(e));
  process.exitCode = 1;
});
