// Static pods: Pod manifests in <data-dir>/manifests/ that the kubelet runs by itself, and the
// mirror pods that show them in the API (annotation kubernetes.io/config.mirror), as upstream's
// file source. Parsing and the mirror object are pure; reading the directory is the only I/O.
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { KubeObject } from '../../api/object.js';
import type { Obj, Pod } from './types.js';

export const CONFIG_MIRROR_ANNOTATION = 'kubernetes.io/config.mirror';
export const CONFIG_HASH_ANNOTATION = 'kubernetes.io/config.hash';
export const CONFIG_SOURCE_ANNOTATION = 'kubernetes.io/config.source';
export const CONFIG_SEEN_ANNOTATION = 'kubernetes.io/config.seen';

export function isMirrorPod(pod: KubeObject): boolean {
  return pod.metadata.annotations?.[CONFIG_MIRROR_ANNOTATION] !== undefined;
}

/** The static pod a manifest describes on nodeName: named <name>-<node>, its UID the hash of its content. */
export function staticPodFrom(manifest: Obj, nodeName: string, seenIso: string): Pod {
  const meta: Obj = manifest.metadata ?? {};
  const hash = createHash('md5').update(JSON.stringify(manifest)).update('\0' + nodeName).digest('hex');
  const name = `${meta.name}-${nodeName}`;
  const spec: Obj = { restartPolicy: 'Always', dnsPolicy: 'ClusterFirst', terminationGracePeriodSeconds: 30, ...(manifest.spec ?? {}), nodeName };
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      ...meta,
      name,
      namespace: meta.namespace ?? 'default',
      uid: hash,
      annotations: { ...(meta.annotations ?? {}), [CONFIG_HASH_ANNOTATION]: hash, [CONFIG_SOURCE_ANNOTATION]: 'file', [CONFIG_SEEN_ANNOTATION]: seenIso },
    },
    spec,
    status: { phase: 'Pending' },
  };
}

/** The mirror pod for a static pod, owned by its Node so it goes when the Node goes. */
export function mirrorPodFor(staticPod: Pod, node: { name: string; uid?: string }): Pod {
  const { uid: _uid, resourceVersion: _rv, ...meta } = staticPod.metadata;
  const hash = staticPod.metadata.annotations?.[CONFIG_HASH_ANNOTATION] ?? staticPod.metadata.uid ?? '';
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      ...meta,
      annotations: { ...(meta.annotations ?? {}), [CONFIG_MIRROR_ANNOTATION]: hash },
      ...(node.uid ? { ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: node.name, uid: node.uid, controller: true }] } : {}),
    },
    spec: staticPod.spec,
  };
}

/** Whether an API pod is the current mirror of staticPod. */
export function mirrors(apiPod: KubeObject, staticPod: Pod): boolean {
  return apiPod.metadata.annotations?.[CONFIG_MIRROR_ANNOTATION] === staticPod.metadata.annotations?.[CONFIG_HASH_ANNOTATION];
}

/** Every Pod in dir's *.yaml, *.yml and *.json files (a missing dir is none); bad files are reported, not fatal. */
export async function readStaticPods(dir: string, nodeName: string, seenIso: string, warn: (file: string, err: unknown) => void): Promise<Pod[]> {
  let files: string[];
  try {
    files = (await readdir(dir)).filter((f) => /\.(ya?ml|json)$/.test(f) && !f.startsWith('.')).sort();
  } catch {
    return [];
  }
  const out: Pod[] = [];
  for (const f of files) {
    try {
      const text = await readFile(path.join(dir, f), 'utf8');
      for (const doc of parseAllDocuments(text)) {
        if (doc.errors.length) throw doc.errors[0];
        const m = doc.toJS() as Obj | null;
        if (!m || m.kind !== 'Pod' || !m.metadata?.name) continue;
        out.push(staticPodFrom(m, nodeName, seenIso));
      }
    } catch (err) {
      warn(f, err);
    }
  }
  return out;
}
