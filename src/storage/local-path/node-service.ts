// The local-path driver's Node service: publishing a volume creates its directory on first use
// (world-writable, as k3s's provisioner makes it, so containers of any user can write) and hands
// back the path to bind-mount; unpublishing leaves the data alone. Removing data is not a CSI
// Node call: the node reclaimer does it for volumes the cluster released (node-reclaimer.ts).
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { NodeCapability, NodePublishVolumeRequest, NodeService, Topology } from '../csi.js';
import { HOSTNAME_LABEL } from './names.js';

export class LocalPathNodeService implements NodeService {
  constructor(private readonly opts: { nodeName: string; storageDir: string }) {}

  getCapabilities(): NodeCapability[] {
    return [];
  }

  nodeGetInfo(): { nodeId: string; maxVolumesPerNode: number; accessibleTopology: Topology } {
    return { nodeId: this.opts.nodeName, maxVolumesPerNode: 0, accessibleTopology: { segments: { [HOSTNAME_LABEL]: this.opts.nodeName } } };
  }

  async nodePublishVolume(req: NodePublishVolumeRequest): Promise<{ hostPath: string }> {
    const dir = req.volumeContext.path;
    if (!dir || !path.isAbsolute(dir)) throw new Error(`volume ${req.volumeId} has no absolute path`);
    try {
      const st = await fs.stat(dir);
      if (!st.isDirectory()) throw new Error(`${dir} is not a directory`);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      await fs.mkdir(dir, { recursive: true, mode: 0o777 });
      await fs.chmod(dir, 0o777);
    }
    return { hostPath: dir };
  }

  async nodeUnpublishVolume(): Promise<void> {
    // The runtime's bind mount goes with the container; the directory stays for the next pod.
  }
}
