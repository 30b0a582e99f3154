// The address cluster DNS listens on is the pod bridge's gateway (first address of the node's pod
// range). The CNI bridge plugin assigns it only when the first pod sandbox is created, so the
// agent puts it there first (the plugin accepts a bridge that already carries its gateway).
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { nthAddress } from '../agent/cluster-addresses.js';

const run = promisify(execFile);

/** The gateway address of a pod range and its prefix length ("10.42.3.0/24" → 10.42.3.1, 24). Pure. */
export function gatewayOf(podCIDR: string): { address: string; prefix: number } {
  return { address: nthAddress(podCIDR, 1), prefix: Number(podCIDR.split('/')[1]) };
}

/** Creates the bridge if missing and gives it the gateway address (idempotent). */
export async function ensureBridgeAddress(bridge: string, podCIDR: string): Promise<string> {
  const { address, prefix } = gatewayOf(podCIDR);
  if (!existsSync(`/sys/class/net/${bridge}`)) {
    await run('ip', ['link', 'add', 'name', bridge, 'type', 'bridge'], { timeout: 10_000 }).catch((err: unknown) => {
      // Another starter (the CNI plugin) may have won the race.
      if (!existsSync(`/sys/class/net/${bridge}`)) throw err;
    });
  }
  await run('ip', ['addr', 'replace', `${address}/${prefix}`, 'dev', bridge], { timeout: 10_000 });
  await run('ip', ['link', 'set', bridge, 'up'], { timeout: 10_000 });
  return address;
}
