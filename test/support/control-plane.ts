// Starts a real control plane in the test process (temp data dir, free port), envtest-style:
// tests drive it through the same HTTPS API as any client.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { startControlPlane, type RunningControlPlane } from '../../src/controlplane/control-plane.js';

export interface TestControlPlane extends RunningControlPlane {
  dataDir: string;
  stop(): Promise<void>;
}

export async function startTestControlPlane(opts: { datastoreEndpoint?: string; controllers?: boolean; simNodes?: number; serviceCidr?: string } = {}): Promise<TestControlPlane> {
  const dataDir = mkdtempSync(join(tmpdir(), 'k8ts-test-'));
  const ac = new AbortController();
  const cp = await startControlPlane(
    {
      dataDir,
      httpsPort: 0,
      bindAddress: '127.0.0.1',
      tlsSans: [],
      serviceCidr: opts.serviceCidr ?? '10.43.0.0/16',
      datastoreEndpoint: opts.datastoreEndpoint,
      controllers: opts.controllers ?? true,
      simNodes: opts.simNodes ?? 0,
      logger: pino({ level: process.env.K8TS_TEST_LOG ?? 'silent' }),
    },
    ac.signal,
  );
  return {
    ...cp,
    dataDir,
    async stop() {
      ac.abort();
      await cp.done;
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
