// CRI client: the kubelet's only way to talk to the container runtime (containerd's CRI plugin)
// over its unix socket. It owns the gRPC channel, the per-call deadlines and turning gRPC
// failures into CriError; it never decides anything about pods (that is the kubelet's job).
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import protobuf from 'protobufjs';
import { CRI_PROTO } from './api-proto.js';
import type { ContainerEventResponse, ImageService, RuntimeService } from './types.js';

export type * from './types.js';

/** A failed CRI call: `code` is the gRPC status code (grpc.status), `details` the runtime's message. */
export class CriError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly rpc = '',
  ) {
    super(message);
    this.name = 'CriError';
  }
  get codeName(): string {
    return grpc.status[this.code] ?? String(this.code);
  }
}

export const isCriNotFound = (err: unknown): boolean => err instanceof CriError && err.code === grpc.status.NOT_FOUND;
export const isCriUnimplemented = (err: unknown): boolean =>
  err instanceof CriError && err.code === grpc.status.UNIMPLEMENTED;

/** Upstream's --runtime-request-timeout default. */
export const DEFAULT_CRI_TIMEOUT_MS = 2 * 60_000;
/** Pulls are bounded only by progress upstream; a generous ceiling keeps a stuck pull from living forever. */
export const DEFAULT_PULL_TIMEOUT_MS = 15 * 60_000;
const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

let cachedServices: { runtime: grpc.ServiceClientConstructor; image: grpc.ServiceClientConstructor } | undefined;

function loadServices() {
  if (cachedServices) return cachedServices;
  const root = protobuf.parse(CRI_PROTO, { keepCase: true }).root;
  const definition = protoLoader.fromJSON(root.toJSON() as Parameters<typeof protoLoader.fromJSON>[0], {
    keepCase: true,
    longs: Number,
    enums: String,
    defaults: true,
    oneofs: true,
  });
  const pkg = grpc.loadPackageDefinition(definition) as unknown as {
    runtime: { v1: { RuntimeService: grpc.ServiceClientConstructor; ImageService: grpc.ServiceClientConstructor } };
  };
  cachedServices = { runtime: pkg.runtime.v1.RuntimeService, image: pkg.runtime.v1.ImageService };
  return cachedServices;
}

type UnaryFn = (req: unknown, timeoutMs?: number) => Promise<unknown>;

function unary(client: grpc.Client, rpc: string, defaultTimeoutMs: number): UnaryFn {
  const method = (client as unknown as Record<string, Function>)[rpc];
  if (typeof method !== 'function') throw new Error(`CRI proto has no rpc ${rpc}`);
  return (req, timeoutMs = defaultTimeoutMs) =>
    new Promise((resolve, reject) => {
      const deadline = new Date(Date.now() + timeoutMs);
      method.call(client, req ?? {}, new grpc.Metadata(), { deadline }, (err: grpc.ServiceError | null, res: unknown) => {
        if (err) reject(new CriError(err.code ?? grpc.status.UNKNOWN, `${rpc}: ${err.details || err.message}`, rpc));
        else resolve(res);
      });
    });
}

const RUNTIME_RPCS = [
  'Version',
  'RunPodSandbox',
  'StopPodSandbox',
  'RemovePodSandbox',
  'PodSandboxStatus',
  'ListPodSandbox',
  'CreateContainer',
  'StartContainer',
  'StopContainer',
  'RemoveContainer',
  'ListContainers',
  'ContainerStatus',
  'UpdateContainerResources',
  'ReopenContainerLog',
  'ExecSync',
  'Exec',
  'Attach',
  'PortForward',
  'ContainerStats',
  'ListContainerStats',
  'PodSandboxStats',
  'ListPodSandboxStats',
  'UpdateRuntimeConfig',
  'Status',
] as const;

const IMAGE_RPCS = ['ListImages', 'ImageStatus', 'PullImage', 'RemoveImage', 'ImageFsInfo'] as const;

const lowerFirst = (s: string) => s[0]!.toLowerCase() + s.slice(1);

export class CriClient {
  readonly runtime: RuntimeService;
  readonly image: ImageService;
  private readonly runtimeClient: grpc.Client;
  private readonly imageClient: grpc.Client;

  /** `socketPath` is a filesystem path or a `unix://` URL. */
  constructor(
    readonly socketPath: string,
    opts: { timeoutMs?: number; pullTimeoutMs?: number } = {},
  ) {
    const { runtime, image } = loadServices();
    const address = socketPath.startsWith('unix:') ? socketPath : `unix://${socketPath}`;
    const channelOptions: grpc.ChannelOptions = {
      'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
      'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
    };
    const credentials = grpc.credentials.createInsecure();
    this.runtimeClient = new runtime(address, credentials, channelOptions);
    // Both services share one connection: grpc-js pools subchannels by address and options.
    this.imageClient = new image(address, credentials, channelOptions);
    const timeoutMs = opts.timeoutMs ?? DEFAULT_CRI_TIMEOUT_MS;

    const rt: Record<string, unknown> = {};
    for (const rpc of RUNTIME_RPCS) rt[lowerFirst(rpc)] = unary(this.runtimeClient, rpc, timeoutMs);
    rt.getContainerEvents = (signal: AbortSignal) => this.containerEvents(signal);
    this.runtime = rt as unknown as RuntimeService;

    const im: Record<string, unknown> = {};
    for (const rpc of IMAGE_RPCS) {
      im[lowerFirst(rpc)] = unary(this.imageClient, rpc, rpc === 'PullImage' ? (opts.pullTimeoutMs ?? DEFAULT_PULL_TIMEOUT_MS) : timeoutMs);
    }
    this.image = im as unknown as ImageService;
  }

  private async *containerEvents(signal: AbortSignal): AsyncGenerator<ContainerEventResponse> {
    const method = (this.runtimeClient as unknown as Record<string, Function>).GetContainerEvents!;
    const call = method.call(this.runtimeClient, {}, new grpc.Metadata(), {}) as grpc.ClientReadableStream<ContainerEventResponse>;
    const cancel = () => call.cancel();
    signal.addEventListener('abort', cancel, { once: true });
    try {
      for await (const event of call) yield event as ContainerEventResponse;
    } catch (err) {
      const e = err as grpc.ServiceError;
      if (signal.aborted && e.code === grpc.status.CANCELLED) return;
      throw new CriError(e.code ?? grpc.status.UNKNOWN, `GetContainerEvents: ${e.details || e.message}`, 'GetContainerEvents');
    } finally {
      signal.removeEventListener('abort', cancel);
      call.cancel();
    }
  }

  /** Resolves once the channel is connected (or rejects after timeoutMs). */
  waitForReady(timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.runtimeClient.waitForReady(new Date(Date.now() + timeoutMs), (err) => (err ? reject(err) : resolve()));
    });
  }

  close(): void {
    this.runtimeClient.close();
    this.imageClient.close();
  }
}
