// grpc.health.v1.Health/Check over @grpc/grpc-js. The two messages are tiny, so they are encoded
// by hand from the protobuf wire format (HealthCheckRequest{string service = 1},
// HealthCheckResponse{ServingStatus status = 1}) rather than loading a .proto at runtime.
import * as grpc from '@grpc/grpc-js';

export const SERVING_STATUS = ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'] as const;

function varint(n: number): number[] {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return out;
}

export function encodeHealthCheckRequest(service: string): Buffer {
  if (!service) return Buffer.alloc(0);
  const s = Buffer.from(service, 'utf8');
  return Buffer.concat([Buffer.from([0x0a, ...varint(s.length)]), s]);
}

/** The status field of a HealthCheckResponse (0 when absent), skipping unknown fields. */
export function decodeHealthCheckResponse(buf: Buffer): number {
  let i = 0;
  let status = 0;
  const readVarint = () => {
    let v = 0;
    let shift = 0;
    for (;;) {
      const b = buf[i++];
      if (b === undefined) throw new Error('truncated HealthCheckResponse');
      v += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return v;
      shift += 7;
    }
  };
  while (i < buf.length) {
    const key = readVarint();
    const field = Math.floor(key / 8);
    const wire = key & 7;
    if (wire === 0) {
      const v = readVarint();
      if (field === 1) status = v;
    } else if (wire === 2) {
      const len = readVarint(); // read first: `i += readVarint()` would add to the stale i
      i += len;
    }
    else if (wire === 1) i += 8;
    else if (wire === 5) i += 4;
    else throw new Error(`unsupported wire type ${wire}`);
  }
  return status;
}

/** Calls Check and resolves with the serving status name; rejects on RPC errors and timeouts. */
export function grpcHealthCheck(host: string, port: number, service: string, timeoutMs: number): Promise<string> {
  const target = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  const client = new grpc.Client(target, grpc.credentials.createInsecure(), { 'grpc.primary_user_agent': 'kube-probe/1.32' });
  return new Promise<string>((resolve, reject) => {
    client.makeUnaryRequest(
      '/grpc.health.v1.Health/Check',
      (s: string) => encodeHealthCheckRequest(s),
      (b: Buffer) => decodeHealthCheckResponse(b),
      service,
      new grpc.Metadata(),
      { deadline: Date.now() + timeoutMs },
      (err, status) => {
        client.close();
        if (err) reject(err);
        else resolve(SERVING_STATUS[status ?? 0] ?? `UNKNOWN(${status})`);
      },
    );
  });
}
