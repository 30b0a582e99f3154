// Throw-away HTTPS server for capturing what the real kubectl sends: answers /version and legacy
// discovery just enough for typed `kubectl create ...` commands, records every request with a body,
// and echoes POSTed objects back (decoded) so kubectl is satisfied. Test support only.

import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeKubeProtobuf } from '../../src/api/schema/protobuf.js';

export interface CapturedRequest {
  method: string;
  url: string;
  contentType: string;
  body: Buffer;
}

export interface CaptureServer {
  port: number;
  dir: string;
  kubeconfig: string;
  requests: CapturedRequest[];
  /** Runs kubectl against this server (async: the server shares this event loop). */
  kubectl(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }>;
  close(): Promise<void>;
}

type Res = { name: string; kind: string; namespaced: boolean; verbs?: string[] };
const CRUD = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];
const GROUPS: Record<string, Res[]> = {
  v1: [
    { name: 'configmaps', kind: 'ConfigMap', namespaced: true },
    { name: 'secrets', kind: 'Secret', namespaced: true },
    { name: 'namespaces', kind: 'Namespace', namespaced: false },
    { name: 'services', kind: 'Service', namespaced: true },
    { name: 'serviceaccounts', kind: 'ServiceAccount', namespaced: true },
    { name: 'resourcequotas', kind: 'ResourceQuota', namespaced: true },
    { name: 'pods', kind: 'Pod', namespaced: true },
  ],
  'apps/v1': [{ name: 'deployments', kind: 'Deployment', namespaced: true }],
  'batch/v1': [
    { name: 'jobs', kind: 'Job', namespaced: true },
    { name: 'cronjobs', kind: 'CronJob', namespaced: true },
  ],
  'rbac.authorization.k8s.io/v1': [
    { name: 'roles', kind: 'Role', namespaced: true },
    { name: 'rolebindings', kind: 'RoleBinding', namespaced: true },
    { name: 'clusterroles', kind: 'ClusterRole', namespaced: false },
    { name: 'clusterrolebindings', kind: 'ClusterRoleBinding', namespaced: false },
  ],
  'policy/v1': [{ name: 'poddisruptionbudgets', kind: 'PodDisruptionBudget', namespaced: true }],
  'scheduling.k8s.io/v1': [{ name: 'priorityclasses', kind: 'PriorityClass', namespaced: false }],
  'networking.k8s.io/v1': [{ name: 'ingresses', kind: 'Ingress', namespaced: true }],
  'authorization.k8s.io/v1': [
    { name: 'selfsubjectaccessreviews', kind: 'SelfSubjectAccessReview', namespaced: false, verbs: ['create'] },
    { name: 'selfsubjectrulesreviews', kind: 'SelfSubjectRulesReview', namespaced: true, verbs: ['create'] },
  ],
};

function discovery(path: string): unknown {
  if (path === '/api') return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1:6443' }] };
  if (path === '/apis') {
    const groups = Object.keys(GROUPS)
      .filter((gv) => gv.includes('/'))
      .map((gv) => {
        const [name, version] = gv.split('/');
        const v = { groupVersion: gv, version };
        return { name, versions: [v], preferredVersion: v };
      });
    return { kind: 'APIGroupList', apiVersion: 'v1', groups };
  }
  const gv = path === '/api/v1' ? 'v1' : path.startsWith('/apis/') ? path.slice(6) : '';
  const list = GROUPS[gv];
  if (!list) return undefined;
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: gv,
    resources: list.map((r) => ({ name: r.name, singularName: r.kind.toLowerCase(), namespaced: r.namespaced, kind: r.kind, verbs: r.verbs ?? CRUD })),
  };
}

export async function startCaptureServer(): Promise<CaptureServer> {
  const dir = mkdtempSync(join(tmpdir(), 'k8ts-capture-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
  const requests: CapturedRequest[] = [];
  const server: Server = createServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const path = (req.url ?? '/').split('?')[0];
      const send = (code: number, obj: unknown) => {
        res.writeHead(code, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(obj));
      };
      if (body.length > 0) requests.push({ method: req.method ?? '', url: req.url ?? '', contentType: String(req.headers['content-type'] ?? ''), body });
      if (path === '/version') return send(200, { major: '1', minor: '32', gitVersion: 'v1.32.4', platform: 'linux/amd64' });
      if (req.method === 'GET') {
        const d = discovery(path);
        if (d) return send(200, d);
        return send(404, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'not found', reason: 'NotFound', code: 404 });
      }
      if (req.method === 'POST') {
        let obj: Record<string, unknown> = {};
        try {
          obj = String(req.headers['content-type']).includes('protobuf') ? decodeKubeProtobuf(body).object : JSON.parse(body.toString());
        } catch {
          // Echo what we can; the capture is what matters.
        }
        if (obj.kind === 'SelfSubjectAccessReview' || obj.kind === 'SelfSubjectRulesReview') obj.status = obj.kind === 'SelfSubjectAccessReview' ? { allowed: true } : { resourceRules: [], nonResourceRules: [], incomplete: false };
        return send(201, obj);
      }
      send(405, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'method not allowed', reason: 'MethodNotAllowed', code: 405 });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(
    kubeconfig,
    `apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: https://127.0.0.1:${port}\n    insecure-skip-tls-verify: true\nusers:\n- name: u\n  user:\n    token: capture\ncontexts:\n- name: c\n  context:\n    cluster: c\n    user: u\n    namespace: default\ncurrent-context: c\n`,
  );
  return {
    port,
    dir,
    kubeconfig,
    requests,
    kubectl(args) {
      return new Promise((resolve) => {
        execFile(
          '/usr/bin/kubectl',
          [...args, '--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache')],
          { encoding: 'utf8', env: { ...process.env, HOME: dir, KUBECONFIG: kubeconfig }, timeout: 60_000 },
          (err, stdout, stderr) => resolve({ status: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
        );
      });
    },
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
