// containerd's own event stream (containerd.services.events.v1.Events/Subscribe), served on the
// same socket as the CRI. containerd 1.6 has no CRI GetContainerEvents, but every task start,
// exit and OOM is published here with the container id, which is the CRI container (or sandbox)
// id. This module only subscribes and decodes; what an event means for a pod is decided in
// lifecycle-events.ts. The message and field numbers below are containerd's wire contract.
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import protobuf from 'protobufjs';

const EVENTS_PROTO = `
syntax = "proto3";
package containerd.services.events.v1;

service Events {
  rpc Subscribe(SubscribeRequest) returns (stream Envelope);
}
message SubscribeRequest {
  repeated string filters = 1;
}
message Timestamp {
  int64 seconds = 1;
  int32 nanos = 2;
}
message Any {
  string type_url = 1;
  bytes value = 2;
}
message Envelope {
  Timestamp timestamp = 1;
  string namespace = 2;
  string topic = 3;
  Any event = 4;
}
`;

/**
 * The payloads of the task events the kubelet reads. Every task event carries container_id as
 * field 1; an exit also says which process exited (id: the container's own id for its init
 * process, an exec id otherwise).
 */
const TASK_EVENTS_PROTO = `
syntax = "proto3";
package containerd.events;
message TaskStart { string container_id = 1; uint32 pid = 2; }
message TaskExit { string container_id = 1; string id = 2; uint32 pid = 3; uint32 exit_status = 4; }
message TaskOOM { string container_id = 1; }
message TaskDelete { string container_id = 1; uint32 pid = 2; uint32 exit_status = 3; string id = 5; }
`;

/** The topics the kubelet needs: a container (or sandbox) started, exited, ran out of memory, went away. */
export const TASK_TOPICS = ['/tasks/start', '/tasks/exit', '/tasks/oom', '/tasks/delete'] as const;
export type TaskTopic = (typeof TASK_TOPICS)[number];

/** The CRI plugin's containerd namespace. */
export const CRI_NAMESPACE = 'k8s.io';

/** One decoded task event. processId is the exited process (exec id or the container id itself). */
export interface TaskEvent {
  topic: TaskTopic;
  containerId: string;
  processId?: string;
  exitStatus?: number;
  /** ms since the epoch, as containerd stamped the envelope */
  timestampMs: number;
}

interface RawEnvelope {
  timestamp?: { seconds?: number | string; nanos?: number } | null;
  namespace?: string;
  topic?: string;
  event?: { type_url?: string; value?: Uint8Array } | null;
}

let taskTypes: Record<TaskTopic, protobuf.Type> | undefined;
function payloadTypes(): Record<TaskTopic, protobuf.Type> {
  if (taskTypes) return taskTypes;
  const root = protobuf.parse(TASK_EVENTS_PROTO, { keepCase: true }).root;
  taskTypes = {
    '/tasks/start': root.lookupType('containerd.events.TaskStart'),
    '/tasks/exit': root.lookupType('containerd.events.TaskExit'),
    '/tasks/oom': root.lookupType('containerd.events.TaskOOM'),
    '/tasks/delete': root.lookupType('containerd.events.TaskDelete'),
  };
  return taskTypes;
}

/** Decodes one envelope; undefined for other namespaces, topics, or payloads that do not parse. */
export function decodeTaskEvent(env: RawEnvelope): TaskEvent | undefined {
  if (env.namespace !== CRI_NAMESPACE) return undefined;
  const topic = env.topic as TaskTopic;
  if (!TASK_TOPICS.includes(topic)) return undefined;
  const value = env.event?.value;
  if (!value) return undefined;
  let msg: Record<string, unknown>;
  try {
    msg = payloadTypes()[topic].toObject(payloadTypes()[topic].decode(value), { longs: Number, defaults: true });
  } catch {
    return undefined;
  }
  const containerId = msg.container_id as string;
  if (!containerId) return undefined;
  const seconds = Number(env.timestamp?.seconds ?? 0);
  const out: TaskEvent = { topic, containerId, timestampMs: seconds * 1000 + Math.floor((env.timestamp?.nanos ?? 0) / 1e6) };
  if (topic === '/tasks/exit' || topic === '/tasks/delete') {
    out.processId = (msg.id as string) || containerId;
    out.exitStatus = msg.exit_status as number;
  }
  return out;
}

/** Encodes a task event payload as containerd does (tests and fakes). */
export function encodeTaskPayload(topic: TaskTopic, fields: Record<string, unknown>): Uint8Array {
  const t = payloadTypes()[topic];
  return t.encode(t.fromObject(fields)).finish();
}

let eventsService: grpc.ServiceClientConstructor | undefined;
function service(): grpc.ServiceClientConstructor {
  if (eventsService) return eventsService;
  const root = protobuf.parse(EVENTS_PROTO, { keepCase: true }).root;
  const def = protoLoader.fromJSON(root.toJSON() as Parameters<typeof protoLoader.fromJSON>[0], { keepCase: true, longs: Number, defaults: false, oneofs: true });
  const pkg = grpc.loadPackageDefinition(def) as unknown as { containerd: { services: { events: { v1: { Events: grpc.ServiceClientConstructor } } } } };
  eventsService = pkg.containerd.services.events.v1.Events;
  return eventsService;
}

/** A failed or ended subscription; `code` is the gRPC status (UNIMPLEMENTED: not containerd). */
export class EventStreamError extends Error {
  constructor(readonly code: number, message: string) {
    super(message);
    this.name = 'EventStreamError';
  }
}

/** A subscriber to containerd's task events over its socket. */
export class ContainerdEvents {
  private readonly client: grpc.Client;

  /** `socketPath` is a filesystem path or a `unix://` URL (the CRI endpoint). */
  constructor(socketPath: string) {
    const address = socketPath.startsWith('unix:') ? socketPath : `unix://${socketPath}`;
    const Events = service();
    this.client = new Events(address, grpc.credentials.createInsecure());
  }

  /**
   * Streams the CRI namespace's task events until the signal aborts (then it returns) or the
   * stream fails or ends (then it throws EventStreamError).
   */
  async *subscribe(signal: AbortSignal): AsyncGenerator<TaskEvent> {
    const filters = TASK_TOPICS.map((t) => `namespace=="${CRI_NAMESPACE}",topic=="${t}"`);
    const subscribe = (this.client as unknown as Record<string, Function>).Subscribe!;
    const call = subscribe.call(this.client, { filters }, new grpc.Metadata(), {}) as grpc.ClientReadableStream<RawEnvelope>;
    const cancel = (): void => call.cancel();
    signal.addEventListener('abort', cancel, { once: true });
    try {
      for await (const env of call) {
        const ev = decodeTaskEvent(env as RawEnvelope);
        if (ev) yield ev;
      }
      if (!signal.aborted) throw new EventStreamError(grpc.status.UNAVAILABLE, 'containerd event stream ended');
    } catch (err) {
      if (err instanceof EventStreamError) throw err;
      const e = err as grpc.ServiceError;
      if (signal.aborted && e.code === grpc.status.CANCELLED) return;
      throw new EventStreamError(e.code ?? grpc.status.UNKNOWN, `containerd Subscribe: ${e.details || e.message}`);
    } finally {
      signal.removeEventListener('abort', cancel);
      call.cancel();
    }
  }

  close(): void {
    this.client.close();
  }
}
