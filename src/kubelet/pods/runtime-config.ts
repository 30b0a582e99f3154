// Pure translation of a pod and its containers into CRI PodSandboxConfig and ContainerConfig:
// hostname, DNS, host ports, namespaces, log paths, resources (cgroups) and securityContext,
// with the labels upstream's kubelet sets so every tool can find a pod's pieces again.
import { parseQuantity } from '../../api/quantity.js';
import {
  ANNOTATION_RESTART_COUNT, ANNOTATION_TERMINATION_GRACE, ANNOTATION_TERMINATION_MESSAGE_PATH, ANNOTATION_TERMINATION_MESSAGE_POLICY, LABEL_CONTAINER_NAME, LABEL_POD_NAME,
  LABEL_POD_NAMESPACE, LABEL_POD_UID,
  type ContainerConfig, type CriMount, type DNSConfig, type LinuxContainerResources, type LinuxContainerSecurityContext, type PodSandboxConfig, type PortMapping,
} from './cri-port.js';
import { isRestartableInit, type Obj, type Pod } from './types.js';

const MIN_SHARES = 2;
const SHARES_PER_CPU = 1024;
const QUOTA_PERIOD_US = 100_000;
const MIN_QUOTA_US = 1_000;

export function podLabels(pod: Pod): Record<string, string> {
  return {
    ...(pod.metadata.labels ?? {}),
    [LABEL_POD_NAME]: pod.metadata.name ?? '',
    [LABEL_POD_NAMESPACE]: pod.metadata.namespace ?? '',
    [LABEL_POD_UID]: pod.metadata.uid ?? '',
  };
}

/** The pod's hostname: spec.hostname, else its name (cut to 63 characters, as upstream). */
export function podHostname(pod: Pod): string {
  const h: string = pod.spec.hostname || pod.metadata.name || '';
  return h.length > 63 ? h.slice(0, 63).replace(/[-.]+$/, '') : h;
}

export function sandboxConfig(pod: Pod, attempt: number, logDirectory: string, dns: DNSConfig): PodSandboxConfig {
  const hostNetwork = pod.spec.hostNetwork === true;
  const sc: Obj = pod.spec.securityContext ?? {};
  return {
    metadata: { name: pod.metadata.name ?? '', uid: pod.metadata.uid ?? '', namespace: pod.metadata.namespace ?? '', attempt },
    hostname: hostNetwork ? '' : podHostname(pod),
    log_directory: logDirectory,
    dns_config: dns,
    port_mappings: portMappings(pod),
    labels: podLabels(pod),
    annotations: { ...(pod.metadata.annotations ?? {}) },
    linux: {
      security_context: {
        namespace_options: {
          network: hostNetwork ? 'NODE' : 'POD',
          pid: pod.spec.hostPID ? 'NODE' : pod.spec.shareProcessNamespace ? 'POD' : 'CONTAINER',
          ipc: pod.spec.hostIPC ? 'NODE' : 'POD',
        },
        ...(typeof sc.runAsUser === 'number' ? { run_as_user: { value: sc.runAsUser } } : {}),
        ...(typeof sc.runAsGroup === 'number' ? { run_as_group: { value: sc.runAsGroup } } : {}),
        ...(supplementalGroups(sc).length ? { supplemental_groups: supplementalGroups(sc) } : {}),
      },
      ...(sc.sysctls?.length ? { sysctls: Object.fromEntries((sc.sysctls as Obj[]).map((s) => [s.name, String(s.value)])) } : {}),
    },
  };
}

function supplementalGroups(sc: Obj): number[] {
  const out = [...((sc.supplementalGroups as number[] | undefined) ?? [])];
  if (typeof sc.fsGroup === 'number' && !out.includes(sc.fsGroup)) out.push(sc.fsGroup);
  return out;
}

/** hostPort mappings of every container (with a hostPort) in the pod. */
export function portMappings(pod: Pod): PortMapping[] {
  const out: PortMapping[] = [];
  for (const c of [...((pod.spec.initContainers as Obj[] | undefined) ?? []), ...((pod.spec.containers as Obj[] | undefined) ?? [])]) {
    for (const p of (c.ports as Obj[] | undefined) ?? []) {
      if (!p.hostPort) continue;
      out.push({ protocol: p.protocol ?? 'TCP', container_port: p.containerPort, host_port: p.hostPort, host_ip: p.hostIP ?? '' });
    }
  }
  return out;
}

/** cgroup settings from requests and limits as upstream: shares from the CPU request, quota from the limit. */
export function linuxResources(container: Obj): LinuxContainerResources {
  const requests: Obj = container.resources?.requests ?? {};
  const limits: Obj = container.resources?.limits ?? {};
  const milli = (v: unknown): number | undefined => {
    const q = parseQuantity(v);
    return q ? Math.ceil(Number(q.nano) / 1e6) : undefined;
  };
  const bytes = (v: unknown): number | undefined => {
    const q = parseQuantity(v);
    return q ? Math.ceil(Number(q.nano) / 1e9) : undefined;
  };
  // A limit without a request means request = limit (the API server defaults it; be safe).
  const cpuRequest = milli(requests.cpu) ?? milli(limits.cpu);
  const cpuLimit = milli(limits.cpu);
  const memLimit = bytes(limits.memory);
  const out: LinuxContainerResources = {
    cpu_shares: cpuRequest === undefined ? MIN_SHARES : Math.max(MIN_SHARES, Math.floor((cpuRequest * SHARES_PER_CPU) / 1000)),
  };
  if (cpuLimit !== undefined && cpuLimit > 0) {
    out.cpu_period = QUOTA_PERIOD_US;
    out.cpu_quota = Math.max(MIN_QUOTA_US, Math.floor((cpuLimit * QUOTA_PERIOD_US) / 1000));
  }
  if (memLimit !== undefined && memLimit > 0) out.memory_limit_in_bytes = memLimit;
  return out;
}

/** The container's securityContext (over the pod's) as CRI's. */
export function linuxSecurityContext(pod: Pod, container: Obj): LinuxContainerSecurityContext {
  const psc: Obj = pod.spec.securityContext ?? {};
  const csc: Obj = container.securityContext ?? {};
  const runAsUser = csc.runAsUser ?? psc.runAsUser;
  const runAsGroup = csc.runAsGroup ?? psc.runAsGroup;
  const privileged = csc.privileged === true;
  const out: LinuxContainerSecurityContext = {
    privileged,
    readonly_rootfs: csc.readOnlyRootFilesystem === true,
    namespace_options: {
      network: pod.spec.hostNetwork ? 'NODE' : 'POD',
      pid: pod.spec.hostPID ? 'NODE' : pod.spec.shareProcessNamespace ? 'POD' : 'CONTAINER',
      ipc: pod.spec.hostIPC ? 'NODE' : 'POD',
    },
    no_new_privs: csc.allowPrivilegeEscalation === false,
  };
  if (typeof runAsUser === 'number') out.run_as_user = { value: runAsUser };
  if (typeof runAsGroup === 'number') out.run_as_group = { value: runAsGroup };
  const groups = supplementalGroups(psc);
  if (groups.length) out.supplemental_groups = groups;
  const caps: Obj | undefined = csc.capabilities;
  if (caps) {
    out.capabilities = {
      add_capabilities: ((caps.add as string[] | undefined) ?? []).map(capName),
      drop_capabilities: ((caps.drop as string[] | undefined) ?? []).map(capName),
    };
  }
  return out;
}

/**
 * CRI names capabilities without the CAP_ prefix (the runtime adds it: "CAP_NET_ADMIN" would become
 * CAP_CAP_NET_ADMIN and be ignored), as the Pod API does; "ALL" stays.
 */
function capName(c: string): string {
  const u = c.toUpperCase();
  return u.startsWith('CAP_') ? u.slice(4) : u;
}

export function terminationMessagePath(container: Obj): string {
  return container.terminationMessagePath || '/dev/termination-log';
}

export interface ContainerConfigInput {
  pod: Pod;
  container: Obj;
  attempt: number;
  image: string;
  env: { key: string; value: string }[];
  command: string[];
  args: string[];
  mounts: CriMount[];
}

export function containerConfig(i: ContainerConfigInput): ContainerConfig {
  const { pod, container } = i;
  return {
    metadata: { name: container.name, attempt: i.attempt },
    image: { image: i.image },
    command: i.command,
    args: i.args,
    working_dir: container.workingDir ?? '',
    envs: i.env,
    mounts: i.mounts,
    labels: {
      [LABEL_POD_NAME]: pod.metadata.name ?? '',
      [LABEL_POD_NAMESPACE]: pod.metadata.namespace ?? '',
      [LABEL_POD_UID]: pod.metadata.uid ?? '',
      [LABEL_CONTAINER_NAME]: container.name,
    },
    annotations: {
      [ANNOTATION_RESTART_COUNT]: String(i.attempt),
      [ANNOTATION_TERMINATION_GRACE]: String(pod.spec.terminationGracePeriodSeconds ?? 30),
      [ANNOTATION_TERMINATION_MESSAGE_PATH]: terminationMessagePath(container),
      [ANNOTATION_TERMINATION_MESSAGE_POLICY]: container.terminationMessagePolicy ?? 'File',
      ...(isRestartableInit(container) ? { 'io.kubernetes.container.restartPolicy': 'Always' } : {}),
    },
    log_path: `${container.name}/${i.attempt}.log`,
    stdin: container.stdin === true,
    stdin_once: container.stdinOnce === true,
    tty: container.tty === true,
    linux: { resources: linuxResources(container), security_context: linuxSecurityContext(pod, container) },
  };
}
