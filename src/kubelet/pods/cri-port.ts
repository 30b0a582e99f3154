// The slice of the CRI the pod lifecycle code calls (the CriClient's services, narrowed to the
// RPCs used), so tests can hand in small fakes; plus the labels upstream puts on CRI objects.
import type { ImageService, RuntimeService } from '../cri/types.js';
import type { CriMount } from '../volumes/types.js';

export type { CriMount };
export type {
  AuthConfig, Container as CriContainer, ContainerConfig, ContainerState as CriContainerState, ContainerStatus as CriContainerStatus, DNSConfig,
  Image as CriImage, LinuxContainerResources, LinuxContainerSecurityContext, PodSandbox, PodSandboxConfig, PodSandboxStatus, PortMapping,
} from '../cri/types.js';

export type RuntimePort = Pick<
  RuntimeService,
  | 'version' | 'runPodSandbox' | 'stopPodSandbox' | 'removePodSandbox' | 'podSandboxStatus' | 'listPodSandbox' | 'createContainer'
  | 'startContainer' | 'stopContainer' | 'removeContainer' | 'listContainers' | 'containerStatus' | 'execSync' | 'status'
>;
export type ImagePort = Pick<ImageService, 'listImages' | 'imageStatus' | 'pullImage'>;

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
export const ANNOTATION_TERMINATION_MESSAGE_POLICY = 'io.kubernetes.container.terminationMessagePolicy';
