// The slice of the core/v1 Probe API the prober reads, and the prober's result vocabulary.
import type { KubeObject } from '../../api/object.js';

export type ProbeType = 'startup' | 'readiness' | 'liveness';
/** Upstream's proberesults: Unknown means "no verdict" (not yet probed, or the prober itself failed). */
export type ProbeResult = 'Success' | 'Failure' | 'Unknown';

export interface HTTPHeader { name: string; value: string }
export interface Probe {
  exec?: { command?: string[] };
  httpGet?: { path?: string; port: number | string; host?: string; scheme?: 'HTTP' | 'HTTPS' | string; httpHeaders?: HTTPHeader[] };
  tcpSocket?: { port: number | string; host?: string };
  grpc?: { port: number; service?: string };
  initialDelaySeconds?: number;
  timeoutSeconds?: number;
  periodSeconds?: number;
  successThreshold?: number;
  failureThreshold?: number;
  terminationGracePeriodSeconds?: number;
}

export interface ProbedContainer {
  name: string;
  ports?: { name?: string; containerPort: number; protocol?: string }[];
  startupProbe?: Probe;
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  restartPolicy?: string;
  [field: string]: unknown;
}

export interface ProbedPod extends KubeObject {
  spec?: { containers?: ProbedContainer[]; initContainers?: ProbedContainer[]; hostNetwork?: boolean; [field: string]: unknown };
  status?: {
    podIP?: string;
    containerStatuses?: { name: string; containerID?: string; state?: { running?: { startedAt?: string } } }[];
    initContainerStatuses?: { name: string; containerID?: string; state?: { running?: { startedAt?: string } } }[];
    [field: string]: unknown;
  };
}

/** What one probe attempt found; output is the text upstream puts in Unhealthy events. */
export interface ProbeOutcome { result: ProbeResult; output: string }

/** The part of the CRI client probes use (structurally satisfied by CriClient). */
export interface ExecRuntime {
  runtime: {
    execSync(req: { container_id: string; cmd: string[]; timeout: number }, timeoutMs?: number): Promise<{ stdout?: Uint8Array | Buffer | string; stderr?: Uint8Array | Buffer | string; exit_code?: number }>;
  };
}
