/**
 * Helpers for the e2e files in test/e2e/node/ that drive pods on a real node through kubectl only:
 * a private namespace per file (deleted at the end, with a check that the runtime let go of its
 * containers), manifests applied from strings, `kubectl get -o json` reads and polling.
 *
 * Owns: the namespaces it creates. Reads the node's containerd only through its CRI socket.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import YAML from 'yaml';
import { CriClient } from '../../../src/kubelet/cri/cri-client.js';
import type { NodeCluster } from '../../support/node-cluster.js';

export type Json = Record<string, any>;

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Polls fn until it returns something other than undefined; fails with the last seen value. Each
 * poll usually runs kubectl, a process costing tens of ms of CPU: poll gently, the node under test
 * shares the machine.
 */
export async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 60_000, everyMs = 1000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (e) {
      last = (e as Error).message;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await sleep(everyMs);
  }
}

/** One row of `kubectl get pod NAME` as the user reads it. */
export interface PodRow {
  name: string;
  ready: string;
  status: string;
  restarts: number;
  /** everything after RESTARTS ("5s", or "2 (3s ago)   9s" style columns are folded into it) */
  raw: string;
}

export function parsePodRow(line: string): PodRow {
  // NAME READY STATUS RESTARTS [ (Xs ago)] AGE [IP NODE ...]
  const cols = line.trim().split(/\s+/);
  return { name: cols[0]!, ready: cols[1]!, status: cols[2]!, restarts: Number(cols[3]), raw: line };
}

/** A namespace of this test file's own, and everything needed to use it through kubectl. */
export class PodNamespace {
  constructor(readonly cluster: NodeCluster, readonly name: string) {}

  static async create(cluster: NodeCluster, prefix: string): Promise<PodNamespace> {
    const name = `${prefix}-${process.pid}-${Math.floor(Math.random() * 1e5)}`;
    await cluster.kubectl(['create', 'namespace', name]);
    // Pods need the namespace's default ServiceAccount only when admission injects tokens; wait anyway
    // so a pod created at once is not refused with "serviceaccount not found".
    await waitFor(`ServiceAccount default in ${name}`, async () => {
      const r = await cluster.kubectl(['get', 'serviceaccount', 'default', '-n', name, '-o', 'name'], { allowFail: true });
      return r.code === 0 ? true : undefined;
    }, 30_000, 300);
    return new PodNamespace(cluster, name);
  }

  /** kubectl in this namespace. */
  k(args: readonly string[], opts: Parameters<NodeCluster['kubectl']>[1] = {}) {
    return this.cluster.kubectl(['-n', this.name, ...args], opts);
  }

  /** `kubectl apply -f -` of manifests (YAML text or objects). */
  async apply(manifests: string | Json | Json[]): Promise<string> {
    const text = typeof manifests === 'string' ? manifests : (Array.isArray(manifests) ? manifests : [manifests]).map((m) => YAML.stringify(m)).join('---\n');
    return (await this.k(['apply', '-f', '-'], { input: text })).stdout;
  }

  async json(resource: string): Promise<Json> {
    return JSON.parse((await this.k(['get', resource, '-o', 'json'])).stdout) as Json;
  }

  async pod(name: string): Promise<Json> {
    return this.json(`pod/${name}`);
  }

  async row(pod: string): Promise<PodRow> {
    const r = await this.k(['get', 'pod', pod, '--no-headers']);
    return parsePodRow(r.stdout.split('\n')[0] ?? '');
  }

  /** Waits until `kubectl get pod` shows a STATUS matching re; returns that row. */
  waitStatus(pod: string, re: RegExp, timeoutMs = 60_000): Promise<PodRow> {
    return waitFor(`pod ${pod} STATUS ${re}`, async () => {
      const row = await this.row(pod);
      if (re.test(row.status)) return row;
      throw new Error(`last row: ${row.raw}`);
    }, timeoutMs, 700);
  }

  /** Waits until pod JSON satisfies pred. */
  waitPod(pod: string, what: string, pred: (p: Json) => boolean, timeoutMs = 60_000): Promise<Json> {
    return waitFor(`pod ${pod}: ${what}`, async () => {
      const p = await this.pod(pod);
      if (pred(p)) return p;
      throw new Error(`status: ${JSON.stringify(p.status)}`);
    }, timeoutMs, 1000);
  }

  /** The output of `kubectl logs` with args (e.g. ['pod', '-c', 'x', '--tail', '1']). */
  async logs(args: readonly string[]): Promise<string> {
    return (await this.k(['logs', ...args])).stdout;
  }

  /** Waits until `kubectl logs args` contains text matching re. */
  waitLogs(args: readonly string[], re: RegExp, timeoutMs = 60_000): Promise<string> {
    return waitFor(`logs ${args.join(' ')} ~ ${re}`, async () => {
      const r = await this.k(['logs', ...args], { allowFail: true });
      if (r.code === 0 && re.test(r.stdout)) return r.stdout;
      throw new Error(`last: ${r.stdout.slice(-500)}${r.stderr.slice(-300)}`);
    }, timeoutMs, 1000);
  }

  /** Messages of the Events about one object, as `kubectl get events` lists them. */
  async events(object: string): Promise<Json[]> {
    const [kind, name] = object.split('/');
    const list = JSON.parse((await this.k(['get', 'events', '--field-selector', `involvedObject.name=${name},involvedObject.kind=${kind === 'pod' ? 'Pod' : kind}`, '-o', 'json'])).stdout) as Json;
    return list.items as Json[];
  }

  /**
   * Deletes the namespace, waits until it is gone, and checks that the node's runtime holds no
   * container and no sandbox of it any more.
   */
  async destroy(): Promise<void> {
    const uids = ((await this.json('pods')).items as Json[]).map((p) => p.metadata.uid as string);
    await this.cluster.kubectl(['delete', 'namespace', this.name, '--wait=true', '--timeout=120s'], { allowFail: true, timeoutMs: 150_000 });
    const pods = await this.cluster.kubectl(['get', 'pods', '-n', this.name, '--no-headers'], { allowFail: true });
    assert.equal(pods.stdout.trim(), '', `pods left in ${this.name}: ${pods.stdout}`);
    // Volumes (secret tmpfs, emptyDirs) are unmounted and the pods' directories removed.
    const mounts = (await readFile('/proc/self/mounts', 'utf8')).split('\n').filter((l) => uids.some((u) => l.includes(u)));
    assert.deepEqual(mounts, [], 'mounts of deleted pods');
    const podsDir = path.join(this.cluster.dataDir, 'agent', 'pods');
    const dirs = existsSync(podsDir) ? (await readdir(podsDir)).filter((d) => uids.some((u) => d.includes(u))) : [];
    assert.deepEqual(dirs, [], 'directories of deleted pods');
    const left = await waitFor(`no containers of ${this.name} in containerd`, async () => {
      const n = await runtimeLeftovers(this.cluster, this.name);
      return n === undefined || n.length === 0 ? n ?? [] : undefined;
    }, 60_000, 500).catch(async (e: Error) => {
      throw new Error(`${e.message}: ${JSON.stringify(await runtimeLeftovers(this.cluster, this.name))}`);
    });
    assert.deepEqual(left, []);
  }
}

/**
 * Sandboxes and containers of a namespace still known to the node's containerd, through its CRI socket
 * under the server's data dir; undefined when the server's data dir is not on this machine.
 */
export async function runtimeLeftovers(cluster: NodeCluster, namespace: string): Promise<string[] | undefined> {
  const socket = path.join(cluster.dataDir, 'agent', 'containerd', 'containerd.sock');
  if (!existsSync(socket)) return undefined;
  const cri = new CriClient(socket, { timeoutMs: 5_000 });
  try {
    const filter = { label_selector: { 'io.kubernetes.pod.namespace': namespace } };
    const [sb, cs] = await Promise.all([cri.runtime.listPodSandbox({ filter }), cri.runtime.listContainers({ filter })]);
    return [
      ...(sb.items ?? []).map((s) => `sandbox ${s.metadata?.name ?? s.id} ${s.state}`),
      ...(cs.containers ?? []).map((c) => `container ${c.metadata?.name ?? c.id} ${c.state}`),
    ];
  } finally {
    cri.close();
  }
}

/** A container spec running a busybox shell script. */
export function sh(name: string, script: string, extra: Json = {}): Json {
  return { name, image: 'busybox', command: ['sh', '-c', script], ...extra };
}

/** A Pod manifest. */
export function podManifest(name: string, spec: Json, metadata: Json = {}): Json {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, ...metadata }, spec: { terminationGracePeriodSeconds: 1, ...spec } };
}

export function containerStatus(pod: Json, name: string, init = false): Json | undefined {
  const list = (init ? pod.status?.initContainerStatuses : pod.status?.containerStatuses) as Json[] | undefined;
  return list?.find((c) => c.name === name);
}

export function condition(pod: Json, type: string): string | undefined {
  return (pod.status?.conditions as Json[] | undefined)?.find((c) => c.type === type)?.status;
}
