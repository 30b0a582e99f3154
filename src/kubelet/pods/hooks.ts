// Container lifecycle hooks (postStart, preStop): exec through CRI ExecSync, httpGet against the
// pod's address, or sleep. A hook's failure is returned as a message for the caller's event.
import http from 'node:http';
import https from 'node:https';
import type { RuntimePort } from './cri-port.js';
import type { Obj } from './types.js';

export interface HookTarget {
  runtime: RuntimePort;
  containerId: string;
  container: Obj;
  podIP: string;
}

/** Runs handler within timeoutMs; resolves with an error message, or undefined on success. */
export async function runHook(handler: Obj, t: HookTarget, timeoutMs: number): Promise<string | undefined> {
  try {
    if (handler.exec) {
      const cmd: string[] = handler.exec.command ?? [];
      const seconds = Math.max(1, Math.ceil(timeoutMs / 1000));
      const r = await t.runtime.execSync({ container_id: t.containerId, cmd, timeout: seconds }, (seconds + 10) * 1000);
      if (r.exit_code !== 0) {
        const out = Buffer.from(r.stdout ?? []).toString() + Buffer.from(r.stderr ?? []).toString();
        return `command '${cmd.join(' ')}' exited with ${r.exit_code}: ${out}`;
      }
      return undefined;
    }
    if (handler.httpGet) return await httpHook(handler.httpGet, t, timeoutMs);
    if (handler.sleep) {
      await new Promise((r) => setTimeout(r, Math.min(timeoutMs, Number(handler.sleep.seconds ?? 0) * 1000)));
      return undefined;
    }
    return 'no handler specified';
  } catch (err) {
    return (err as Error).message;
  }
}

/** A named port resolves through the container's ports. */
export function resolvePort(port: unknown, container: Obj): number | undefined {
  if (typeof port === 'number') return port;
  if (typeof port === 'string') {
    if (/^\d+$/.test(port)) return Number(port);
    const p = ((container.ports as Obj[] | undefined) ?? []).find((x) => x.name === port);
    return p?.containerPort;
  }
  return undefined;
}

function httpHook(get: Obj, t: HookTarget, timeoutMs: number): Promise<string | undefined> {
  const port = resolvePort(get.port, t.container);
  if (!port) return Promise.resolve(`invalid port ${String(get.port)}`);
  const secure = String(get.scheme ?? 'HTTP').toUpperCase() === 'HTTPS';
  const headers: Record<string, string> = { 'User-Agent': 'kube-lifecycle/1.32' };
  for (const h of (get.httpHeaders as Obj[] | undefined) ?? []) headers[h.name] = h.value;
  return new Promise((resolve) => {
    const req = (secure ? https : http).request(
      { host: get.host || t.podIP, port, path: get.path ?? '/', method: 'GET', headers, timeout: timeoutMs, rejectUnauthorized: false },
      (res) => {
        res.resume();
        const code = res.statusCode ?? 0;
        resolve(code >= 200 && code < 400 ? undefined : `HTTP lifecycle hook (${get.path ?? '/'}) for Container "${t.container.name}" returned status ${code}`);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) => resolve(e.message));
    req.end();
  });
}
