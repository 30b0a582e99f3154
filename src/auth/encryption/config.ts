// Loads an upstream EncryptionConfiguration (apiserver.config.k8s.io/v1) into one ValueTransformer
// per configured resource: the first provider writes, every provider reads (key rotation), and a
// value read with anything but the first provider is reported stale so it can be rewritten.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { ValueTransformer } from '../types.js';
import { aescbc, aesgcm, identity, looksEncrypted, secretbox, TransformError, type KeyTransformer } from './providers.js';

export interface EncryptionConfig {
  /** The transformer for a store key, or undefined when the key's resource is not configured. */
  transformerFor(key: string): ValueTransformer | undefined;
  /** Configured resource names as written ("secrets", "*.apps", "*.*"). */
  resources: string[];
}

function providerKeys(provider: Record<string, any>): KeyTransformer[] {
  const [type, cfg] = Object.entries(provider)[0] ?? [];
  switch (type) {
    case 'identity':
      return [identity];
    case 'aescbc':
    case 'aesgcm':
    case 'secretbox': {
      const keys: Array<{ name: string; secret: string }> = cfg?.keys ?? [];
      if (!keys.length) throw new TransformError(`${type} provider has no keys`);
      const make = type === 'aescbc' ? aescbc : type === 'aesgcm' ? aesgcm : secretbox;
      return keys.map((k) => {
        if (!k.name || !k.secret) throw new TransformError(`${type} key needs a name and a secret`);
        return make(k.name, Buffer.from(k.secret, 'base64'));
      });
    }
    case 'kms':
      throw new TransformError('kms providers are not supported by k8ts');
    default:
      throw new TransformError(`unknown encryption provider "${type}"`);
  }
}

/** Tries each key by prefix; the first key of the first provider encrypts. */
export function prefixTransformer(keys: readonly KeyTransformer[]): ValueTransformer {
  const writer = keys[0]!;
  return {
    toStore(key, value) {
      return writer.prefix.length ? Buffer.concat([writer.prefix, writer.encrypt(key, value)]) : value;
    },
    fromStore(key, value) {
      for (let i = 0; i < keys.length; i++) {
        const k = keys[i]!;
        if (k.prefix.length === 0) {
          if (looksEncrypted(value)) continue;
          return { value, stale: i !== 0 };
        }
        if (value.length >= k.prefix.length && value.subarray(0, k.prefix.length).equals(k.prefix)) {
          return { value: k.decrypt(key, value.subarray(k.prefix.length)), stale: i !== 0 };
        }
      }
      throw new TransformError(looksEncrypted(value) ? 'no matching prefix found' : 'identity transformer is not configured: refusing to read unencrypted data');
    },
  };
}

// Groups whose name has no dot; every other dot-less key segment is a core resource.
const DOTLESS_GROUPS = new Set(['apps', 'batch', 'policy', 'autoscaling']);

/** Where a store key /registry/[group/]plural/... points. */
export function resourceOfKey(key: string): { group: string; plural: string } | undefined {
  if (!key.startsWith('/registry/')) return undefined;
  const parts = key.slice(10).split('/');
  if (parts.length < 2) return undefined;
  const first = parts[0]!;
  if (first.includes('.') || DOTLESS_GROUPS.has(first)) return { group: first, plural: parts[1]! };
  return { group: '', plural: first };
}

function matches(pattern: string, r: { group: string; plural: string }): boolean {
  if (pattern === '*.*') return true;
  const dot = pattern.indexOf('.');
  const plural = dot < 0 ? pattern : pattern.slice(0, dot);
  const group = dot < 0 ? '' : pattern.slice(dot + 1);
  return (plural === '*' || plural === r.plural) && group === r.group;
}

export function parseEncryptionConfig(text: string): EncryptionConfig {
  const doc = parse(text) as any;
  if (doc?.kind !== 'EncryptionConfiguration') throw new TransformError(`expected kind EncryptionConfiguration, got ${doc?.kind}`);
  if (doc.apiVersion !== 'apiserver.config.k8s.io/v1') throw new TransformError(`unsupported apiVersion ${doc.apiVersion}`);
  const rules: Array<{ patterns: string[]; transformer: ValueTransformer }> = [];
  for (const entry of doc.resources ?? []) {
    const patterns: string[] = entry.resources ?? [];
    const keys = (entry.providers ?? []).flatMap(providerKeys);
    if (!patterns.length || !keys.length) throw new TransformError('each resources entry needs resources and providers');
    rules.push({ patterns, transformer: prefixTransformer(keys) });
  }
  const cache = new Map<string, ValueTransformer | null>();
  return {
    resources: rules.flatMap((r) => r.patterns),
    transformerFor(key) {
      const r = resourceOfKey(key);
      if (!r) return undefined;
      const id = `${r.group}/${r.plural}`;
      let t = cache.get(id);
      if (t === undefined) {
        // Upstream: the first entry whose resources match wins.
        t = rules.find((rule) => rule.patterns.some((p) => matches(p, r)))?.transformer ?? null;
        cache.set(id, t);
      }
      return t ?? undefined;
    },
  };
}

export function loadEncryptionConfig(path: string): EncryptionConfig {
  return parseEncryptionConfig(readFileSync(path, 'utf8'));
}
