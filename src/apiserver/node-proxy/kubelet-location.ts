// Where a node-routed request goes (upstream's pod and node "ResourceLocation"): which kubelet,
// which path and query, and the upfront errors the API server answers itself. Pure functions.
import { StatusError, errors } from '../../api/errors.js';
import type { KubeObject } from '../../api/object.js';

export type PodLike = KubeObject & { spec?: any; status?: any };
export type NodeLike = KubeObject & { status?: any };

export interface KubeletTarget {
  host: string;
  port: number;
}

export interface KubeletLocation extends KubeletTarget {
  /** path plus query string */
  path: string;
}

export function kubeletTarget(node: NodeLike): KubeletTarget {
  const addrs: { type: string; address: string }[] = node.status?.addresses ?? [];
  const pick = addrs.find((a) => a.type === 'InternalIP') ?? addrs.find((a) => a.type === 'ExternalIP') ?? addrs.find((a) => a.type === 'Hostname');
  if (!pick?.address) throw errors.badRequest(`node "${node.metadata.name}" has no address`);
  return { host: pick.address, port: node.status?.daemonEndpoints?.kubeletEndpoint?.Port ?? 10250 };
}

function containerNames(pod: PodLike, withInit = true): string[] {
  const s = pod.spec ?? {};
  return [...(s.containers ?? []), ...(withInit ? s.initContainers ?? [] : []), ...(withInit ? s.ephemeralContainers ?? [] : [])].map((c: any) => c.name);
}

/** The container a request means: the named one, or the only one. */
export function resolveContainer(pod: PodLike, requested: string | null): string {
  const name = pod.metadata.name;
  if (requested) {
    if (!containerNames(pod).includes(requested)) {
      throw errors.badRequest(`container ${requested} is not valid for pod ${name}`);
    }
    return requested;
  }
  const main = containerNames(pod, false);
  if (main.length === 1) return main[0]!;
  const init = (pod.spec?.initContainers ?? []).map((c: any) => c.name);
  const msg = `a container name must be specified for pod ${name}, choose one of: [${main.join(' ')}]` + (init.length ? ` or one of the init containers: [${init.join(' ')}]` : '');
  throw errors.badRequest(msg);
}

function containerStatus(pod: PodLike, container: string): any {
  const st = pod.status ?? {};
  return [...(st.containerStatuses ?? []), ...(st.initContainerStatuses ?? []), ...(st.ephemeralContainerStatuses ?? [])].find((c: any) => c.name === container);
}

/** Upstream's "waiting to start" check for logs, exec and attach. */
export function checkContainerStarted(pod: PodLike, container: string, allowPrevious: boolean): void {
  const cs = containerStatus(pod, container);
  const waiting = cs?.state?.waiting;
  if (cs && !waiting) return;
  if (allowPrevious && cs?.lastState?.terminated) return;
  const reason = waiting?.reason ?? 'ContainerCreating';
  throw new StatusError(400, 'BadRequest', `container "${container}" in pod "${pod.metadata.name}" is waiting to start: ${reason}`);
}

function podNode(pod: PodLike): string {
  const nodeName = pod.spec?.nodeName;
  if (!nodeName) throw errors.badRequest(`pod ${pod.metadata.name} does not have a host assigned`);
  return nodeName;
}

const LOG_PARAMS = ['follow', 'previous', 'timestamps', 'tailLines', 'limitBytes', 'sinceSeconds', 'sinceTime'];

function enc(parts: string[]): string {
  return parts.map(encodeURIComponent).join('/');
}

export interface RoutedRequest {
  kind: 'log' | 'exec' | 'attach' | 'portforward' | 'nodeproxy';
  nodeName: string;
  path: string;
}

/** pods/{log,exec,attach,portforward}: the kubelet path for a pod. */
export function podStreamPath(pod: PodLike, sub: 'log' | 'exec' | 'attach' | 'portforward', query: URLSearchParams): RoutedRequest {
  const ns = pod.metadata.namespace ?? '';
  const name = pod.metadata.name ?? '';
  const nodeName = podNode(pod);
  if (sub === 'portforward') {
    const out = new URLSearchParams();
    for (const p of query.getAll('ports')) out.append('ports', p);
    const qs = out.toString();
    return { kind: sub, nodeName, path: `/portForward/${enc([ns, name])}${qs ? `?${qs}` : ''}` };
  }
  const container = resolveContainer(pod, query.get('container'));
  if (sub === 'log') {
    const previous = query.get('previous') === 'true';
    checkContainerStarted(pod, container, previous);
    const out = new URLSearchParams();
    for (const k of LOG_PARAMS) {
      const v = query.get(k);
      if (v !== null) out.set(k, v);
    }
    const qs = out.toString();
    return { kind: sub, nodeName, path: `/containerLogs/${enc([ns, name, container])}${qs ? `?${qs}` : ''}` };
  }
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') {
    throw errors.badRequest(`cannot ${sub === 'exec' ? 'exec into' : 'attach to'} a container in a completed pod; current phase is ${phase}`);
  }
  checkContainerStarted(pod, container, false);
  const out = new URLSearchParams();
  if (sub === 'exec') {
    const cmd = query.getAll('command');
    if (!cmd.length) throw errors.badRequest('you must specify at least 1 command');
    for (const c of cmd) out.append('command', c);
  }
  // The kubelet's own names for the stream flags.
  const flag = (from: string, to: string) => {
    const v = query.get(from);
    if (v === 'true' || v === '1') out.set(to, '1');
  };
  flag('stdin', 'input');
  flag('stdout', 'output');
  flag('stderr', 'error');
  flag('tty', 'tty');
  if (!out.has('input') && !out.has('output') && !out.has('error')) throw errors.badRequest('you must specify at least 1 of stdin, stdout, stderr');
  return { kind: sub, nodeName, path: `/${sub}/${enc([ns, name, container])}?${out}` };
}

/** nodes/{name}/proxy/{path}: anything on the kubelet API. */
export function nodeProxyPath(nodeName: string, subresource: string, query: URLSearchParams): RoutedRequest {
  const rest = subresource.split('/').slice(1).join('/');
  const qs = query.toString();
  return { kind: 'nodeproxy', nodeName, path: `/${rest}${qs ? `?${qs}` : ''}` };
}
