// Runs one probe attempt of each kind: exec (CRI ExecSync), httpGet, tcpSocket and grpc. Network
// probes go to the pod's IP (the node's for hostNetwork pods, which is what podIP is then).
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import { httpStatusResult } from './accounting.js';
import { grpcHealthCheck } from './grpc-health.js';
import type { ExecRuntime, Probe, ProbedContainer, ProbeOutcome } from './types.js';

const MAX_BODY = 10 * 1024;
const USER_AGENT = 'kube-probe/1.32';

/** A port given by number or by the name of one of the container's ports. */
export function resolvePort(port: number | string, container: ProbedContainer): number {
  if (typeof port === 'number') return port;
  if (/^[0-9]+$/.test(port)) return Number(port);
  const found = container.ports?.find((p) => p.name === port);
  if (!found) throw new Error(`couldn't find port ${port} in container ${container.name}`);
  return found.containerPort;
}

function text(v: Uint8Array | Buffer | string | undefined): string {
  if (v === undefined) return '';
  return typeof v === 'string' ? v : Buffer.from(v).toString('utf8');
}

export async function runExecProbe(cri: ExecRuntime, containerId: string, cmd: string[], timeoutSeconds: number): Promise<ProbeOutcome> {
  try {
    // The gRPC deadline leaves the runtime room to report its own timeout first.
    const r = await cri.runtime.execSync({ container_id: containerId, cmd, timeout: timeoutSeconds }, (timeoutSeconds + 5) * 1000);
    const output = text(r.stdout) + text(r.stderr);
    return (r.exit_code ?? 0) === 0 ? { result: 'Success', output } : { result: 'Failure', output: output || `command exited with ${r.exit_code}` };
  } catch (e) {
    const msg = (e as Error).message ?? String(e);
    const code = (e as { code?: unknown }).code;
    // A timed-out command is a failed probe; any other runtime error is no verdict (retry).
    if (code === 4 /* DEADLINE_EXCEEDED */ || /timeout|timed out|deadline/i.test(msg)) return { result: 'Failure', output: `command timed out: ${msg}` };
    return { result: 'Unknown', output: msg };
  }
}

export function runHttpProbe(host: string, port: number, g: NonNullable<Probe['httpGet']>, timeoutSeconds: number): Promise<ProbeOutcome> {
  const scheme = (g.scheme ?? 'HTTP').toUpperCase();
  const headers: Record<string, string> = { 'User-Agent': USER_AGENT, Accept: '*/*' };
  for (const h of g.httpHeaders ?? []) headers[h.name] = h.value;
  let p = g.path ?? '/';
  if (!p.startsWith('/')) p = '/' + p;
  const lib = scheme === 'HTTPS' ? https : http;
  return new Promise<ProbeOutcome>((resolve) => {
    let done = false;
    const finish = (o: ProbeOutcome) => {
      if (!done) {
        done = true;
        resolve(o);
      }
    };
    const req = lib.request(
      { host, port, path: p, method: 'GET', headers, timeout: timeoutSeconds * 1000, rejectUnauthorized: false, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          if (size < MAX_BODY) chunks.push(c);
          size += c.length;
        });
        res.on('end', () => {
          const code = res.statusCode ?? 0;
          const body = Buffer.concat(chunks).subarray(0, MAX_BODY).toString('utf8');
          const result = httpStatusResult(code);
          finish({ result, output: result === 'Success' ? body : `HTTP probe failed with statuscode: ${code}` });
        });
        res.on('error', (e) => finish({ result: 'Failure', output: e.message }));
      },
    );
    req.on('timeout', () => {
      req.destroy();
      finish({ result: 'Failure', output: `Get "${scheme.toLowerCase()}://${host}:${port}${p}": context deadline exceeded (Client.Timeout exceeded while awaiting headers)` });
    });
    req.on('error', (e) => finish({ result: 'Failure', output: `Get "${scheme.toLowerCase()}://${host}:${port}${p}": ${e.message}` }));
    req.end();
  });
}

export function runTcpProbe(host: string, port: number, timeoutSeconds: number): Promise<ProbeOutcome> {
  return new Promise<ProbeOutcome>((resolve) => {
    const sock = net.connect({ host, port });
    const timer = setTimeout(() => {
      sock.destroy();
      resolve({ result: 'Failure', output: `dial tcp ${host}:${port}: i/o timeout` });
    }, timeoutSeconds * 1000);
    sock.once('connect', () => {
      clearTimeout(timer);
      sock.destroy();
      resolve({ result: 'Success', output: '' });
    });
    sock.once('error', (e) => {
      clearTimeout(timer);
      resolve({ result: 'Failure', output: `dial tcp ${host}:${port}: ${e.message}` });
    });
  });
}

export async function runGrpcProbe(host: string, port: number, service: string, timeoutSeconds: number): Promise<ProbeOutcome> {
  try {
    const status = await grpcHealthCheck(host, port, service, timeoutSeconds * 1000);
    return status === 'SERVING' ? { result: 'Success', output: '' } : { result: 'Failure', output: `service unhealthy (responded with "${status}")` };
  } catch (e) {
    return { result: 'Failure', output: `failed to connect service "${host}:${port}" within ${timeoutSeconds}s: ${(e as Error).message}` };
  }
}

/** One attempt of whichever handler the probe names. */
export async function runProbe(cri: ExecRuntime, probe: Probe, container: ProbedContainer, containerId: string, podIP: string, timeoutSeconds: number): Promise<ProbeOutcome> {
  try {
    if (probe.exec) return await runExecProbe(cri, containerId, probe.exec.command ?? [], timeoutSeconds);
    if (probe.httpGet) return await runHttpProbe(probe.httpGet.host || podIP, resolvePort(probe.httpGet.port, container), probe.httpGet, timeoutSeconds);
    if (probe.tcpSocket) return await runTcpProbe(probe.tcpSocket.host || podIP, resolvePort(probe.tcpSocket.port, container), timeoutSeconds);
    if (probe.grpc) return await runGrpcProbe(podIP, probe.grpc.port, probe.grpc.service ?? '', timeoutSeconds);
    return { result: 'Unknown', output: 'probe names no handler' };
  } catch (e) {
    return { result: 'Unknown', output: (e as Error).message };
  }
}
