// What the node is made of, read from the host: CPUs, memory, the data dir's filesystem, kernel,
// OS image and machine ids. The only node code that touches /proc and /etc.
import { readFile, statfs } from 'node:fs/promises';
import os from 'node:os';

export interface MachineInfo {
  cpus: number;
  memoryBytes: number;
  /** Filesystem holding the data dir: total and available bytes. */
  fsBytes: number;
  fsAvailableBytes: number;
  memoryAvailableBytes: number;
  kernelVersion: string;
  osImage: string;
  machineID: string;
  systemUUID: string;
  bootID: string;
  architecture: string;
}

async function readTrim(p: string): Promise<string> {
  try {
    return (await readFile(p, 'utf8')).trim();
  } catch {
    return '';
  }
}

/** PRETTY_NAME of an os-release file ("Debian GNU/Linux 12 (bookworm)"). */
export function prettyName(osRelease: string): string {
  const m = /^PRETTY_NAME=(.*)$/m.exec(osRelease);
  if (!m) return 'Linux';
  return m[1]!.replace(/^"(.*)"$/, '$1');
}

/** MemAvailable of /proc/meminfo, in bytes (undefined when absent). */
export function memAvailable(meminfo: string): number | undefined {
  const m = /^MemAvailable:\s+(\d+)\s+kB$/m.exec(meminfo);
  return m ? Number(m[1]) * 1024 : undefined;
}

/** Node's GOARCH name for the host architecture. */
export function goArch(arch: string = process.arch): string {
  return arch === 'x64' ? 'amd64' : arch === 'ia32' ? '386' : arch;
}

export async function readMachineInfo(dataDir: string): Promise<MachineInfo> {
  const [osRelease, machineID, productUUID, bootID, meminfo, fs] = await Promise.all([
    readTrim('/etc/os-release'),
    readTrim('/etc/machine-id'),
    readTrim('/sys/class/dmi/id/product_uuid'),
    readTrim('/proc/sys/kernel/random/boot_id'),
    readTrim('/proc/meminfo'),
    statfs(dataDir).catch(() => undefined),
  ]);
  return {
    cpus: os.cpus().length || 1,
    memoryBytes: os.totalmem(),
    memoryAvailableBytes: memAvailable(meminfo) ?? os.freemem(),
    fsBytes: fs ? fs.blocks * fs.bsize : 0,
    fsAvailableBytes: fs ? fs.bavail * fs.bsize : 0,
    kernelVersion: os.release(),
    osImage: prettyName(osRelease),
    machineID: machineID.replace(/-/g, ''),
    systemUUID: productUUID || machineID,
    bootID,
    architecture: goArch(),
  };
}
