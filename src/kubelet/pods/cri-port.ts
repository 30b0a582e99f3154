// The slice of the CRI the pod lifecycle code calls, typed with runtime.v1's snake_case field
// names (enums as their names, int64 as number). The real CriClient (src/kubelet/cri/) fits it
// structurally; tests hand in fakes. Kept here so the pod code does not depend on gRPC.
import type { CriMount } from '../volumes/types.js';

export type { CriMount };

export type CriContainerState = 'CONTAINER_CREATED' | 'CONTAINER_RUNNING' | 'CONTAINER_EXITED' | 'CONTAINER_UNKNOWN';
export type CriSandboxState = 'SANDBOX_READY' | 'SANDBOX_NOTREADY';
export type NamespaceMode = 'POD' | 'CONTAINER' | 'NODE' | 'TARGET';

export interface DNSConfig { servers: string[]; searches: string[]; options: string[] }
export interface PortMapping { protocol: 'TCP' | 'UDP' | 'SCTP'; container_port: number; host_port: number; host_ip: string }
export interface PodSandboxMetadata { name: string; uid: string; namespace: string; attempt: number }
export interface NamespaceOption { network?: NamespaceMode; pid?: NamespaceMode; ipc?: NamespaceMode }
export interface Int64Value { value: number }

export interface LinuxContainerResources {
  cpu_period?: number;
  cpu_quota?: number;
  cpu_shares?: number;
  memory_limit_in_bytes?: number;
  oom_score_adj?: number;
}

export interface PodSandboxConfig {
  metadata: PodSandboxMetadata;
  hostname: string;
  log_directory: string;
  dns_config?: DNSConfig;
  port_mappings: PortMapping[];
  labels: Record<string, string>;
  annotations: Record<string, string>;
  linux: {
    cgroup_parent?: string;
    security_context: {
      namespace_options: NamespaceOption;
      privileged?: boolean;
      run_as_user?: Int64Value;
      run_as_group?: Int64Value;
      supplemental_groups?: number[];
    };
    sysctls?: Record<string, string>;
  };
}

export interface LinuxContainerSecurityContext {
  capabilities?: { add_capabilities: string[]; drop_capabilities: string[] };
  privileged?: boolean;
  namespace_options?: NamespaceOption;
  run_as_user?: Int64Value;
  run_as_group?: Int64Value;
  run_as_username?: string;
  readonly_rootfs?: boolean;
  supplemental_groups?: number[];
  no_new_privs?: boolean;
}

export interface ContainerConfig {
  metadata: { name: string; attempt: number };
  image: { image: string };
  command: string[];
  args: string[];
  working_dir: string;
  envs: { key: string; value: string }[];
  mounts: CriMount[];
  labels: Record<string, string>;
  annotations: Record<string, string>;
  log_path: string;
  stdin: boolean;
  stdin_once: boolean;
  tty: boolean;
  linux: { resources: LinuxContainerResources; security_context: LinuxContainerSecurityContext };
}

export interface AuthConfig { username?: string; password?: string; auth?: string; server_address?: string; identity_token?: string; registry_token?: string }

export interface PodSandbox {
  id: string;
  metadata: PodSandboxMetadata;
  state: CriSandboxState;
  created_at: number;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface PodSandboxStatus {
  id: string;
  metadata: PodSandboxMetadata;
  state: CriSandboxState;
  created_at: number;
  network?: { ip: string; additional_ips: { ip: string }[] } | null;
}

export interface CriContainer {
  id: string;
  pod_sandbox_id: string;
  metadata: { name: string; attempt: number };
  state: CriContainerState;
  created_at: number;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface CriContainerStatus {
  id: string;
  metadata: { name: string; attempt: number };
  state: CriContainerState;
  /** Nanoseconds since the epoch; 0 when not yet. */
  created_at: number;
  started_at: number;
  finished_at: number;
  exit_code: number;
  image?: { image: string } | null;
  image_ref: string;
  reason: string;
  message: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  log_path: string;
}

export interface CriImage { id: string; repo_tags: string[]; repo_digests: string[]; size: number }

export interface RuntimePort {
  version(req: { version?: string }): Promise<{ version: string; runtime_name: string; runtime_version: string; runtime_api_version: string }>;
  runPodSandbox(req: { config: PodSandboxConfig; runtime_handler?: string }): Promise<{ pod_sandbox_id: string }>;
  stopPodSandbox(req: { pod_sandbox_id: string }): Promise<unknown>;
  removePodSandbox(req: { pod_sandbox_id: string }): Promise<unknown>;
  podSandboxStatus(req: { pod_sandbox_id: string; verbose?: boolean }): Promise<{ status?: PodSandboxStatus | null }>;
  listPodSandbox(req: { filter?: { label_selector?: Record<string, string> } | null }): Promise<{ items: PodSandbox[] }>;
  createContainer(req: { pod_sandbox_id: string; config: ContainerConfig; sandbox_config: PodSandboxConfig }): Promise<{ container_id: string }>;
  startContainer(req: { container_id: string }): Promise<unknown>;
  stopContainer(req: { container_id: string; timeout: number }): Promise<unknown>;
  removeContainer(req: { container_id: string }): Promise<unknown>;
  listContainers(req: { filter?: { pod_sandbox_id?: string; label_selector?: Record<string, string> } | null }): Promise<{ containers: CriContainer[] }>;
  containerStatus(req: { container_id: string; verbose?: boolean }): Promise<{ status?: CriContainerStatus | null }>;
  execSync(req: { container_id: string; cmd: string[]; timeout: number }): Promise<{ stdout: Uint8Array; stderr: Uint8Array; exit_code: number }>;
}

export interface ImagePort {
  listImages(req: { filter?: unknown }): Promise<{ images: CriImage[] }>;
  imageStatus(req: { image: { image: string }; verbose?: boolean }): Promise<{ image?: CriImage | null }>;
  pullImage(req: { image: { image: string }; auth?: AuthConfig; sandbox_config?: PodSandboxConfig }): Promise<{ image_ref: string }>;
}

export interface CriPort {
  runtime: RuntimePort;
  image: ImagePort;
}

// Labels and annotations upstream's kubelet puts on sandboxes and containers; the streaming
// server, stats and log tools find pods by them.
export const LABEL_POD_NAME = 'io.kubernetes.pod.name';
export const LABEL_POD_NAMESPACE = 'io.kubernetes.pod.namespace';
export const LABEL_POD_UID = 'io.kubernetes.pod.uid';
export const LABEL_CONTAINER_NAME = 'io.kubernetes.container.name';
export const ANNOTATION_RESTART_COUNT = 'io.kubernetes.container.restartCount';
export const ANNOTATION_TERMINATION_GRACE = 'io.kubernetes.pod.terminationGracePeriod';
export const ANNOTATION_TERMINATION_MESSAGE_PATH = 'io.kubernetes.container.terminationMessagePath';
