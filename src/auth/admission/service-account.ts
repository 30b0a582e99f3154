// ServiceAccount admission (mutating): every pod runs as a ServiceAccount ("default" unless set),
// which must exist; unless automounting is off, the pod gets a projected volume with a bound
// token, the cluster CA bundle and its namespace, mounted read-only in every container.
import { randomInt } from 'node:crypto';
import type { AdmissionPlugin } from '../types.js';
import { admissionForbidden, isResource, podSpec, type AdmissionRequest } from './attributes.js';
import type { ObjectLookup } from './lookup.js';

export const SERVICE_ACCOUNT_MOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';
export const TOKEN_EXPIRATION_SECONDS = 3607;
const MIRROR_ANNOTATION = 'kubernetes.io/config.mirror';
// Upstream utilrand.String's alphabet: no vowels, no confusable characters.
const ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

export function randomSuffix(n = 5): string {
  let s = '';
  for (let i = 0; i < n; i++) s += ALPHABET[randomInt(ALPHABET.length)];
  return s;
}

export function apiAccessVolume(name: string): Record<string, unknown> {
  return {
    name,
    projected: {
      defaultMode: 420,
      sources: [
        { serviceAccountToken: { expirationSeconds: TOKEN_EXPIRATION_SECONDS, path: 'token' } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
      ],
    },
  };
}

export class ServiceAccountAdmission implements AdmissionPlugin {
  readonly name = 'ServiceAccount';
  /**
   * strictDefault: refuse pods whose "default" account does not exist yet, after waiting for it
   * as upstream does. Off by default: k8ts test clusters run without the serviceaccount
   * controller, and the account only ever lacks in the moment after a namespace is created.
   */
  constructor(
    private readonly lookup: ObjectLookup,
    private readonly opts: { suffix?: () => string; strictDefault?: boolean; defaultAttempts?: number } = {},
  ) {}

  async admit(a: AdmissionRequest): Promise<void> {
    if (a.operation !== 'CREATE' || !isResource(a, '', 'pods') || !a.object) return;
    if (a.object.metadata.annotations?.[MIRROR_ANNOTATION] !== undefined) return;
    const spec = podSpec(a.object);
    if (!spec.serviceAccountName) spec.serviceAccountName = spec.serviceAccount || 'default';
    spec.serviceAccount = spec.serviceAccountName;
    const saName: string = spec.serviceAccountName;
    const sa = await this.findServiceAccount(a.namespace, saName);
    if (!sa && saName === 'default' && !this.opts.strictDefault) {
      if (spec.automountServiceAccountToken !== false) this.mountToken(spec);
      return;
    }
    if (!sa) throw admissionForbidden(a, `error looking up service account ${a.namespace}/${saName}: serviceaccount "${saName}" not found`);
    const automount = spec.automountServiceAccountToken ?? (sa as any).automountServiceAccountToken ?? true;
    if (automount !== false) this.mountToken(spec);
    const pullSecrets = (sa as any).imagePullSecrets;
    if (!spec.imagePullSecrets?.length && Array.isArray(pullSecrets) && pullSecrets.length) {
      spec.imagePullSecrets = pullSecrets.map((s: { name: string }) => ({ name: s.name }));
    }
  }

  /** The default account is made by a controller right after its namespace: give it a moment, as upstream does. */
  private async findServiceAccount(namespace: string, name: string) {
    const attempts = name === 'default' && this.opts.strictDefault ? this.opts.defaultAttempts ?? 10 : 1;
    for (let i = 0; ; i++) {
      const sa = await this.lookup.get('', 'serviceaccounts', namespace, name);
      if (sa || i + 1 >= attempts) return sa;
      await new Promise((r) => setTimeout(r, 100 + randomInt(100)));
    }
  }

  private mountToken(spec: any): void {
    const containers: any[] = [...(spec.initContainers ?? []), ...(spec.containers ?? [])];
    const needing = containers.filter((c) => !(c.volumeMounts ?? []).some((m: any) => m.mountPath === SERVICE_ACCOUNT_MOUNT_PATH));
    if (!needing.length) return;
    const volumes: any[] = (spec.volumes ??= []);
    let volume = volumes.find((v) => typeof v.name === 'string' && v.name.startsWith('kube-api-access-') && v.projected);
    if (!volume) {
      const taken = new Set(volumes.map((v) => v.name));
      let name: string;
      do name = `kube-api-access-${(this.opts.suffix ?? randomSuffix)()}`;
      while (taken.has(name));
      volume = apiAccessVolume(name);
      volumes.push(volume);
    }
    for (const c of needing) (c.volumeMounts ??= []).push({ name: volume.name, readOnly: true, mountPath: SERVICE_ACCOUNT_MOUNT_PATH });
  }
}
