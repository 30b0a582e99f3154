// Pure builders of volume payloads (path → bytes + mode) for configMap, secret, downwardAPI and
// projected volumes, with upstream's item, optional and defaultMode semantics.
import { downwardItemValue, type Allocatable } from './downward-api.js';
import type { DownwardAPIVolumeFile, KeyToPath, Payload, Pod, VolumeProjection } from './types.js';

/** 0644: upstream's default for every API-data volume (configMap, secret, downwardAPI, projected). */
export const DEFAULT_MODE = 0o644;

export interface ConfigMapData { data?: Record<string, string>; binaryData?: Record<string, string> }
export interface SecretData { data?: Record<string, string>; stringData?: Record<string, string> }

/** Mode bits a file gets: the item's, else the volume's default; readable by fsGroup when set. */
export function fileMode(itemMode: number | undefined, defaultMode: number | undefined, fsGroup: number | undefined): number {
  const mode = (itemMode ?? defaultMode ?? DEFAULT_MODE) & 0o7777;
  return fsGroup === undefined ? mode : mode | 0o440;
}

/** Keys to files: every key under its own name, or only the listed items (missing keys are errors unless optional). */
export function keyedPayload(
  kind: string,
  name: string,
  values: Map<string, Buffer> | undefined,
  items: KeyToPath[] | undefined,
  optional: boolean,
  defaultMode: number | undefined,
  fsGroup: number | undefined,
  into: Payload = new Map(),
): Payload {
  if (!values) {
    if (optional) return into;
    throw new Error(`${kind} "${name}" not found`);
  }
  if (!items || items.length === 0) {
    for (const [k, v] of values) into.set(k, { data: v, mode: fileMode(undefined, defaultMode, fsGroup) });
    return into;
  }
  for (const it of items) {
    const v = values.get(it.key);
    if (v === undefined) {
      if (optional) continue;
      throw new Error(`configuration key "${it.key}" not found in ${kind} "${name}"`);
    }
    into.set(it.path, { data: v, mode: fileMode(it.mode, defaultMode, fsGroup) });
  }
  return into;
}

export function configMapValues(cm: ConfigMapData | undefined): Map<string, Buffer> | undefined {
  if (!cm) return undefined;
  const out = new Map<string, Buffer>();
  for (const [k, v] of Object.entries(cm.data ?? {})) out.set(k, Buffer.from(v, 'utf8'));
  for (const [k, v] of Object.entries(cm.binaryData ?? {})) out.set(k, Buffer.from(v, 'base64'));
  return out;
}

export function secretValues(s: SecretData | undefined): Map<string, Buffer> | undefined {
  if (!s) return undefined;
  const out = new Map<string, Buffer>();
  for (const [k, v] of Object.entries(s.data ?? {})) out.set(k, Buffer.from(v, 'base64'));
  // stringData is write-only on a real server; honour it for objects that never went through one.
  for (const [k, v] of Object.entries(s.stringData ?? {})) out.set(k, Buffer.from(v, 'utf8'));
  return out;
}

export function downwardAPIPayload(
  pod: Pod,
  items: DownwardAPIVolumeFile[] | undefined,
  defaultMode: number | undefined,
  fsGroup: number | undefined,
  allocatable: Allocatable,
  into: Payload = new Map(),
): Payload {
  for (const it of items ?? []) {
    into.set(it.path, { data: Buffer.from(downwardItemValue(pod, it, allocatable), 'utf8'), mode: fileMode(it.mode, defaultMode, fsGroup) });
  }
  return into;
}

/** What a projected volume needs fetched before its payload can be built. */
export interface ProjectedInputs {
  configMaps: Map<string, ConfigMapData | undefined>;
  secrets: Map<string, SecretData | undefined>;
  /** Token text by source index. */
  tokens: Map<number, string>;
}

export function projectedPayload(
  pod: Pod,
  sources: VolumeProjection[],
  defaultMode: number | undefined,
  fsGroup: number | undefined,
  inputs: ProjectedInputs,
  allocatable: Allocatable,
): Payload {
  const out: Payload = new Map();
  sources.forEach((s, i) => {
    if (s.configMap) {
      const name = s.configMap.name ?? '';
      keyedPayload('configmap', name, configMapValues(inputs.configMaps.get(name)), s.configMap.items, !!s.configMap.optional, defaultMode, fsGroup, out);
    } else if (s.secret) {
      const name = s.secret.name ?? '';
      keyedPayload('secret', name, secretValues(inputs.secrets.get(name)), s.secret.items, !!s.secret.optional, defaultMode, fsGroup, out);
    } else if (s.downwardAPI) {
      downwardAPIPayload(pod, s.downwardAPI.items, defaultMode, fsGroup, allocatable, out);
    } else if (s.serviceAccountToken) {
      const token = inputs.tokens.get(i);
      if (token === undefined) throw new Error(`no token for projected source ${i}`);
      out.set(s.serviceAccountToken.path, { data: Buffer.from(token, 'utf8'), mode: fileMode(undefined, defaultMode, fsGroup) });
    }
  });
  return out;
}
