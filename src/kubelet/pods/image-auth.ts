// Registry credentials for a pull from the pod's imagePullSecrets (kubernetes.io/dockerconfigjson
// or the legacy dockercfg), matched to the image's registry as upstream's credential provider
// does: the longest matching key wins; docker.io also answers to index.docker.io. Pure.
import type { AuthConfig } from './cri-port.js';
import type { Obj } from './types.js';

/** The registry host of an image reference ("busybox" → "docker.io"). */
export function registryOf(image: string): string {
  const slash = image.indexOf('/');
  if (slash < 0) return 'docker.io';
  const first = image.slice(0, slash);
  if (first.includes('.') || first.includes(':') || first === 'localhost') return first === 'index.docker.io' ? 'docker.io' : first;
  return 'docker.io';
}

/** Candidate AuthConfigs for image from the given secrets (already fetched), best match first. */
export function authsFor(image: string, secrets: Obj[]): AuthConfig[] {
  const registry = registryOf(image);
  const path = `${registry}/${image.startsWith(registry + '/') ? image.slice(registry.length + 1) : image}`;
  const matches: { score: number; auth: AuthConfig }[] = [];
  for (const s of secrets) {
    for (const [key, entry] of Object.entries(dockerAuths(s))) {
      const k = normaliseKey(key);
      if (!(path === k || path.startsWith(k + '/') || path.startsWith(k + ':') || registry === k)) continue;
      const auth: AuthConfig = { server_address: key };
      if (entry.username) auth.username = entry.username;
      if (entry.password) auth.password = entry.password;
      if (entry.auth) {
        auth.auth = entry.auth;
        if (!entry.username) {
          const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
          const colon = decoded.indexOf(':');
          if (colon > 0) {
            auth.username = decoded.slice(0, colon);
            auth.password = decoded.slice(colon + 1);
          }
        }
      }
      if (entry.identitytoken) auth.identity_token = entry.identitytoken;
      if (entry.registrytoken) auth.registry_token = entry.registrytoken;
      matches.push({ score: k.length, auth });
    }
  }
  return matches.sort((a, b) => b.score - a.score).map((m) => m.auth);
}

function normaliseKey(key: string): string {
  const k = key.replace(/^https?:\/\//, '').replace(/\/+$/, '').replace(/\/v[12]$/, '');
  return k === 'index.docker.io' || k === 'registry-1.docker.io' ? 'docker.io' : k;
}

function dockerAuths(secret: Obj): Record<string, Obj> {
  const data: Record<string, string> = secret.data ?? {};
  try {
    if (secret.type === 'kubernetes.io/dockerconfigjson' && data['.dockerconfigjson']) {
      return (JSON.parse(Buffer.from(data['.dockerconfigjson'], 'base64').toString('utf8')) as Obj).auths ?? {};
    }
    if (secret.type === 'kubernetes.io/dockercfg' && data['.dockercfg']) {
      return JSON.parse(Buffer.from(data['.dockercfg'], 'base64').toString('utf8')) as Record<string, Obj>;
    }
  } catch {
    // A malformed secret gives no credentials (upstream logs and goes on).
  }
  return {};
}

/** Upstream's default pull policy: Always for ":latest" or no tag, else IfNotPresent. */
export function pullPolicyOf(container: Obj): 'Always' | 'IfNotPresent' | 'Never' {
  if (container.imagePullPolicy) return container.imagePullPolicy;
  const image: string = container.image ?? '';
  if (image.includes('@')) return 'IfNotPresent';
  const lastSlash = image.lastIndexOf('/');
  const colon = image.indexOf(':', lastSlash + 1);
  return colon < 0 || image.slice(colon + 1) === 'latest' ? 'Always' : 'IfNotPresent';
}
