// TypeScript shapes of the runtime.v1 CRI messages in api-proto.ts, as @grpc/proto-loader
// hands them over with keepCase/longs:Number/enums:String/defaults:true: snake_case field
// names, int64 as number, enums as their names, bytes as Buffer. Requests accept partial
// objects (absent fields are the proto3 zero value); responses have every field filled.

export type Labels = Record<string, string>;

export type Protocol = 'TCP' | 'UDP' | 'SCTP';
export type MountPropagation = 'PROPAGATION_PRIVATE' | 'PROPAGATION_HOST_TO_CONTAINER' | 'PROPAGATION_BIDIRECTIONAL';
export type NamespaceMode = 'POD' | 'CONTAINER' | 'NODE' | 'TARGET';
export type PodSandboxState = 'SANDBOX_READY' | 'SANDBOX_NOTREADY';
export type ContainerState = 'CONTAINER_CREATED' | 'CONTAINER_RUNNING' | 'CONTAINER_EXITED' | 'CONTAINER_UNKNOWN';
export type ContainerEventType =
  | 'CONTAINER_CREATED_EVENT'
  | 'CONTAINER_STARTED_EVENT'
  | 'CONTAINER_STOPPED_EVENT'
  | 'CONTAINER_DELETED_EVENT';
export type SecurityProfileType = 'RuntimeDefault' | 'Unconfined' | 'Localhost';

export interface Int64Value { value: number }
export interface UInt64Value { value: number }

export interface VersionResponse {
  version: string;
  runtime_name: string;
  runtime_version: string;
  runtime_api_version: string;
}

export interface DNSConfig { servers?: string[]; searches?: string[]; options?: string[] }

export interface PortMapping { protocol?: Protocol; container_port?: number; host_port?: number; host_ip?: string }

export interface Mount {
  container_path: string;
  host_path: string;
  readonly?: boolean;
  selinux_relabel?: boolean;
  propagation?: MountPropagation;
  recursive_read_only?: boolean;
}

export interface NamespaceOption { network?: NamespaceMode; pid?: NamespaceMode; ipc?: NamespaceMode; target_id?: string }

export interface SELinuxOption { user?: string; role?: string; type?: string; level?: string }
export interface SecurityProfile { profile_type?: SecurityProfileType; localhost_ref?: string }

export interface LinuxSandboxSecurityContext {
  namespace_options?: NamespaceOption;
  selinux_options?: SELinuxOption;
  run_as_user?: Int64Value | null;
  run_as_group?: Int64Value | null;
  readonly_rootfs?: boolean;
  supplemental_groups?: number[];
  privileged?: boolean;
  seccomp?: SecurityProfile;
  apparmor?: SecurityProfile;
}

export interface LinuxContainerResources {
  cpu_period?: number;
  cpu_quota?: number;
  cpu_shares?: number;
  memory_limit_in_bytes?: number;
  oom_score_adj?: number;
  cpuset_cpus?: string;
  cpuset_mems?: string;
  unified?: Labels;
  memory_swap_limit_in_bytes?: number;
}

export interface LinuxPodSandboxConfig {
  cgroup_parent?: string;
  security_context?: LinuxSandboxSecurityContext;
  sysctls?: Labels;
  overhead?: LinuxContainerResources;
  resources?: LinuxContainerResources;
}

export interface PodSandboxMetadata { name: string; uid: string; namespace: string; attempt?: number }

export interface PodSandboxConfig {
  metadata: PodSandboxMetadata;
  hostname?: string;
  log_directory?: string;
  dns_config?: DNSConfig;
  port_mappings?: PortMapping[];
  labels?: Labels;
  annotations?: Labels;
  linux?: LinuxPodSandboxConfig;
}

export interface PodSandboxStatus {
  id: string;
  metadata: PodSandboxMetadata | null;
  state: PodSandboxState;
  /** nanoseconds since the epoch */
  created_at: number;
  network: { ip: string; additional_ips: { ip: string }[] } | null;
  linux: { namespaces: { options: NamespaceOption | null } | null } | null;
  labels: Labels;
  annotations: Labels;
  runtime_handler: string;
}

export interface PodSandboxStatusResponse {
  status: PodSandboxStatus | null;
  info: Labels;
  containers_statuses: ContainerStatus[];
  timestamp: number;
}

export interface PodSandboxFilter {
  id?: string;
  state?: { state: PodSandboxState };
  label_selector?: Labels;
}

export interface PodSandbox {
  id: string;
  metadata: PodSandboxMetadata | null;
  state: PodSandboxState;
  created_at: number;
  labels: Labels;
  annotations: Labels;
  runtime_handler: string;
}

export interface ImageSpec {
  image: string;
  annotations?: Labels;
  user_specified_image?: string;
  runtime_handler?: string;
}

export interface KeyValue { key: string; value: string }

export interface Capability {
  add_capabilities?: string[];
  drop_capabilities?: string[];
  add_ambient_capabilities?: string[];
}

export interface LinuxContainerSecurityContext {
  capabilities?: Capability;
  privileged?: boolean;
  namespace_options?: NamespaceOption;
  selinux_options?: SELinuxOption;
  run_as_user?: Int64Value | null;
  run_as_group?: Int64Value | null;
  run_as_username?: string;
  readonly_rootfs?: boolean;
  supplemental_groups?: number[];
  no_new_privs?: boolean;
  masked_paths?: string[];
  readonly_paths?: string[];
  seccomp?: SecurityProfile;
  apparmor?: SecurityProfile;
}

export interface ContainerMetadata { name: string; attempt?: number }

export interface Device { container_path: string; host_path: string; permissions?: string }

export interface ContainerConfig {
  metadata: ContainerMetadata;
  image: ImageSpec;
  command?: string[];
  args?: string[];
  working_dir?: string;
  envs?: KeyValue[];
  mounts?: Mount[];
  devices?: Device[];
  labels?: Labels;
  annotations?: Labels;
  /** relative to the sandbox's log_directory */
  log_path?: string;
  stdin?: boolean;
  stdin_once?: boolean;
  tty?: boolean;
  linux?: { resources?: LinuxContainerResources; security_context?: LinuxContainerSecurityContext };
}

export interface ContainerFilter {
  id?: string;
  state?: { state: ContainerState };
  pod_sandbox_id?: string;
  label_selector?: Labels;
}

export interface Container {
  id: string;
  pod_sandbox_id: string;
  metadata: ContainerMetadata | null;
  image: ImageSpec | null;
  image_ref: string;
  state: ContainerState;
  created_at: number;
  labels: Labels;
  annotations: Labels;
  image_id: string;
}

export interface ContainerStatus {
  id: string;
  metadata: ContainerMetadata | null;
  state: ContainerState;
  /** nanoseconds since the epoch; 0 when not yet */
  created_at: number;
  started_at: number;
  finished_at: number;
  exit_code: number;
  image: ImageSpec | null;
  image_ref: string;
  /** e.g. "Completed", "Error", "OOMKilled" */
  reason: string;
  message: string;
  labels: Labels;
  annotations: Labels;
  mounts: Mount[];
  log_path: string;
  resources: { linux: LinuxContainerResources | null } | null;
  image_id: string;
}

export interface ContainerStatusResponse { status: ContainerStatus | null; info: Labels }

export interface ExecSyncResponse { stdout: Buffer; stderr: Buffer; exit_code: number }

export interface Image {
  id: string;
  repo_tags: string[];
  repo_digests: string[];
  size: number;
  uid: Int64Value | null;
  username: string;
  spec: ImageSpec | null;
  pinned: boolean;
}

export interface AuthConfig {
  username?: string;
  password?: string;
  auth?: string;
  server_address?: string;
  identity_token?: string;
  registry_token?: string;
}

export interface RuntimeCondition { type: string; status: boolean; reason: string; message: string }

export interface StatusResponse { status: { conditions: RuntimeCondition[] } | null; info: Labels }

export interface FilesystemUsage {
  timestamp: number;
  fs_id: { mountpoint: string } | null;
  used_bytes: UInt64Value | null;
  inodes_used: UInt64Value | null;
}

export interface CpuUsage {
  timestamp: number;
  usage_core_nano_seconds: UInt64Value | null;
  usage_nano_cores: UInt64Value | null;
}

export interface MemoryUsage {
  timestamp: number;
  working_set_bytes: UInt64Value | null;
  available_bytes: UInt64Value | null;
  usage_bytes: UInt64Value | null;
  rss_bytes: UInt64Value | null;
  page_faults: UInt64Value | null;
  major_page_faults: UInt64Value | null;
}

export interface ContainerAttributes {
  id: string;
  metadata: ContainerMetadata | null;
  labels: Labels;
  annotations: Labels;
}

export interface ContainerStats {
  attributes: ContainerAttributes | null;
  cpu: CpuUsage | null;
  memory: MemoryUsage | null;
  writable_layer: FilesystemUsage | null;
}

export interface NetworkInterfaceUsage {
  name: string;
  rx_bytes: UInt64Value | null;
  rx_errors: UInt64Value | null;
  tx_bytes: UInt64Value | null;
  tx_errors: UInt64Value | null;
}

export interface PodSandboxStats {
  attributes: { id: string; metadata: PodSandboxMetadata | null; labels: Labels; annotations: Labels } | null;
  linux: {
    cpu: CpuUsage | null;
    memory: MemoryUsage | null;
    network: { timestamp: number; default_interface: NetworkInterfaceUsage | null; interfaces: NetworkInterfaceUsage[] } | null;
    process: { timestamp: number; process_count: UInt64Value | null } | null;
    containers: ContainerStats[];
  } | null;
}

export interface ContainerEventResponse {
  container_id: string;
  container_event_type: ContainerEventType;
  created_at: number;
  pod_sandbox_status: PodSandboxStatus | null;
  containers_statuses: ContainerStatus[];
}

type Empty = Record<string, never>;

/** The RuntimeService RPCs; each takes an optional per-call deadline in milliseconds. */
export interface RuntimeService {
  version(req?: { version?: string }, timeoutMs?: number): Promise<VersionResponse>;
  runPodSandbox(req: { config: PodSandboxConfig; runtime_handler?: string }, timeoutMs?: number): Promise<{ pod_sandbox_id: string }>;
  stopPodSandbox(req: { pod_sandbox_id: string }, timeoutMs?: number): Promise<Empty>;
  removePodSandbox(req: { pod_sandbox_id: string }, timeoutMs?: number): Promise<Empty>;
  podSandboxStatus(req: { pod_sandbox_id: string; verbose?: boolean }, timeoutMs?: number): Promise<PodSandboxStatusResponse>;
  listPodSandbox(req?: { filter?: PodSandboxFilter }, timeoutMs?: number): Promise<{ items: PodSandbox[] }>;
  createContainer(
    req: { pod_sandbox_id: string; config: ContainerConfig; sandbox_config: PodSandboxConfig },
    timeoutMs?: number,
  ): Promise<{ container_id: string }>;
  startContainer(req: { container_id: string }, timeoutMs?: number): Promise<Empty>;
  /** timeout is the grace period in seconds; give the call a deadline beyond it */
  stopContainer(req: { container_id: string; timeout?: number }, timeoutMs?: number): Promise<Empty>;
  removeContainer(req: { container_id: string }, timeoutMs?: number): Promise<Empty>;
  listContainers(req?: { filter?: ContainerFilter }, timeoutMs?: number): Promise<{ containers: Container[] }>;
  containerStatus(req: { container_id: string; verbose?: boolean }, timeoutMs?: number): Promise<ContainerStatusResponse>;
  updateContainerResources(
    req: { container_id: string; linux?: LinuxContainerResources; annotations?: Labels },
    timeoutMs?: number,
  ): Promise<Empty>;
  reopenContainerLog(req: { container_id: string }, timeoutMs?: number): Promise<Empty>;
  /** timeout is in seconds (0: none); give the call a deadline beyond it */
  execSync(req: { container_id: string; cmd: string[]; timeout?: number }, timeoutMs?: number): Promise<ExecSyncResponse>;
  exec(
    req: { container_id: string; cmd: string[]; tty?: boolean; stdin?: boolean; stdout?: boolean; stderr?: boolean },
    timeoutMs?: number,
  ): Promise<{ url: string }>;
  attach(
    req: { container_id: string; stdin?: boolean; tty?: boolean; stdout?: boolean; stderr?: boolean },
    timeoutMs?: number,
  ): Promise<{ url: string }>;
  portForward(req: { pod_sandbox_id: string; port?: number[] }, timeoutMs?: number): Promise<{ url: string }>;
  containerStats(req: { container_id: string }, timeoutMs?: number): Promise<{ stats: ContainerStats | null }>;
  listContainerStats(
    req?: { filter?: { id?: string; pod_sandbox_id?: string; label_selector?: Labels } },
    timeoutMs?: number,
  ): Promise<{ stats: ContainerStats[] }>;
  podSandboxStats(req: { pod_sandbox_id: string }, timeoutMs?: number): Promise<{ stats: PodSandboxStats | null }>;
  listPodSandboxStats(
    req?: { filter?: { id?: string; label_selector?: Labels } },
    timeoutMs?: number,
  ): Promise<{ stats: PodSandboxStats[] }>;
  updateRuntimeConfig(req: { runtime_config: { network_config: { pod_cidr: string } } }, timeoutMs?: number): Promise<Empty>;
  status(req?: { verbose?: boolean }, timeoutMs?: number): Promise<StatusResponse>;
  /**
   * Streams container events until the signal aborts or the runtime ends the stream
   * (containerd 1.6 answers UNIMPLEMENTED: callers fall back to relisting).
   */
  getContainerEvents(signal: AbortSignal): AsyncIterable<ContainerEventResponse>;
}

/** The ImageService RPCs. */
export interface ImageService {
  listImages(req?: { filter?: { image?: ImageSpec } }, timeoutMs?: number): Promise<{ images: Image[] }>;
  /** `image` is null when the image is not present */
  imageStatus(req: { image: ImageSpec; verbose?: boolean }, timeoutMs?: number): Promise<{ image: Image | null; info: Labels }>;
  pullImage(
    req: { image: ImageSpec; auth?: AuthConfig; sandbox_config?: PodSandboxConfig },
    timeoutMs?: number,
  ): Promise<{ image_ref: string }>;
  removeImage(req: { image: ImageSpec }, timeoutMs?: number): Promise<Empty>;
  imageFsInfo(req?: Empty, timeoutMs?: number): Promise<{ image_filesystems: FilesystemUsage[]; container_filesystems: FilesystemUsage[] }>;
}
