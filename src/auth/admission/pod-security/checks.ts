// The Pod Security Standards checks (baseline and restricted), pure functions over a pod spec,
// with upstream pod-security-admission's reasons and details. Checks run in upstream order:
// baseline checks by ID, then restricted ones; a restricted check may replace a baseline one.

export type Level = 'privileged' | 'baseline' | 'restricted';

export interface CheckResult {
  reason: string;
  detail: string;
}

type CheckFn = (meta: any, spec: any) => CheckResult | undefined;

interface Check {
  id: string;
  level: 'baseline' | 'restricted';
  /** Baseline check IDs this restricted check replaces. */
  overrides?: string[];
  run: CheckFn;
}

const pluralize = (one: string, many: string, n: number) => (n === 1 ? one : many);
const joinQuote = (xs: readonly string[]) => xs.map((x) => `"${x}"`).join(', ');
const containersPhrase = (names: readonly string[]) => `${pluralize('container', 'containers', names.length)} ${joinQuote(names)}`;

function containers(spec: any): any[] {
  return [...(spec.initContainers ?? []), ...(spec.containers ?? []), ...(spec.ephemeralContainers ?? [])];
}

const BASELINE_CAPS = new Set(['AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT']);
const SAFE_SYSCTLS = new Set([
  'kernel.shm_rmid_forced',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range',
  'net.ipv4.ip_local_reserved_ports',
  'net.ipv4.tcp_keepalive_time',
  'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl',
  'net.ipv4.tcp_keepalive_probes',
]);
const RESTRICTED_VOLUME_OK = new Set(['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret']);
const SELINUX_TYPES = new Set(['', 'container_t', 'container_init_t', 'container_kvm_t', 'container_engine_t']);

const appArmorProfile: CheckFn = (meta, spec) => {
  const bad = new Set<string>();
  const consider = (t: string | undefined) => {
    if (t && t !== 'RuntimeDefault' && t !== 'Localhost') bad.add(t);
  };
  consider(spec.securityContext?.appArmorProfile?.type);
  for (const c of containers(spec)) consider(c.securityContext?.appArmorProfile?.type);
  for (const [k, v] of Object.entries((meta?.annotations ?? {}) as Record<string, string>)) {
    if (k.startsWith('container.apparmor.security.beta.kubernetes.io/') && v !== 'runtime/default' && !v.startsWith('localhost/')) bad.add(v);
  }
  if (!bad.size) return undefined;
  return { reason: `forbidden AppArmor ${pluralize('profile', 'profiles', bad.size)}`, detail: joinQuote([...bad].sort()) };
};

const capabilitiesBaseline: CheckFn = (_m, spec) => {
  const names: string[] = [];
  const caps = new Set<string>();
  for (const c of containers(spec)) {
    let bad = false;
    for (const cap of c.securityContext?.capabilities?.add ?? []) {
      if (!BASELINE_CAPS.has(cap)) {
        bad = true;
        caps.add(cap);
      }
    }
    if (bad) names.push(c.name);
  }
  if (!names.length) return undefined;
  return { reason: 'non-default capabilities', detail: `${containersPhrase(names)} must not include ${joinQuote([...caps].sort())} in securityContext.capabilities.add` };
};

const hostNamespaces: CheckFn = (_m, spec) => {
  const d: string[] = [];
  if (spec.hostNetwork) d.push('hostNetwork=true');
  if (spec.hostPID) d.push('hostPID=true');
  if (spec.hostIPC) d.push('hostIPC=true');
  return d.length ? { reason: 'host namespaces', detail: d.join(', ') } : undefined;
};

const hostPathVolumes: CheckFn = (_m, spec) => {
  const names = (spec.volumes ?? []).filter((v: any) => v.hostPath).map((v: any) => v.name as string);
  return names.length ? { reason: 'hostPath volumes', detail: `${pluralize('volume', 'volumes', names.length)} ${joinQuote(names)}` } : undefined;
};

const hostPorts: CheckFn = (_m, spec) => {
  const names: string[] = [];
  const ports: string[] = [];
  for (const c of containers(spec)) {
    let bad = false;
    for (const p of c.ports ?? []) {
      if (p.hostPort) {
        bad = true;
        ports.push(String(p.hostPort));
      }
    }
    if (bad) names.push(c.name);
  }
  if (!names.length) return undefined;
  return { reason: 'hostPort', detail: `${containersPhrase(names)} ${pluralize('uses', 'use', names.length)} ${pluralize('hostPort', 'hostPorts', ports.length)} ${ports.join(', ')}` };
};

const windowsHostProcess: CheckFn = (_m, spec) => {
  const setters: string[] = [];
  if (spec.securityContext?.windowsOptions?.hostProcess === true) setters.push('pod');
  const names = containers(spec).filter((c) => c.securityContext?.windowsOptions?.hostProcess === true).map((c) => c.name);
  if (names.length) setters.push(containersPhrase(names));
  return setters.length ? { reason: 'hostProcess', detail: `${setters.join(' and ')} must not set securityContext.windowsOptions.hostProcess=true` } : undefined;
};

const privileged: CheckFn = (_m, spec) => {
  const names = containers(spec).filter((c) => c.securityContext?.privileged === true).map((c) => c.name);
  return names.length ? { reason: 'privileged', detail: `${containersPhrase(names)} must not set securityContext.privileged=true` } : undefined;
};

const procMount: CheckFn = (_m, spec) => {
  if (spec.hostUsers === false) return undefined;
  const names: string[] = [];
  const values = new Set<string>();
  for (const c of containers(spec)) {
    const pm = c.securityContext?.procMount;
    if (pm !== undefined && pm !== 'Default') {
      names.push(c.name);
      values.add(pm);
    }
  }
  return names.length ? { reason: 'procMount', detail: `${containersPhrase(names)} must not set securityContext.procMount to ${joinQuote([...values].sort())}` } : undefined;
};

const seLinuxOptions: CheckFn = (_m, spec) => {
  const setters: string[] = [];
  const types = new Set<string>();
  let user = false;
  let role = false;
  const inspect = (o: any): boolean => {
    if (!o) return false;
    let bad = false;
    if (o.type !== undefined && !SELINUX_TYPES.has(o.type)) {
      types.add(o.type);
      bad = true;
    }
    if (o.user) user = bad = true;
    if (o.role) role = bad = true;
    return bad;
  };
  if (inspect(spec.securityContext?.seLinuxOptions)) setters.push('pod');
  const names = containers(spec).filter((c) => inspect(c.securityContext?.seLinuxOptions)).map((c) => c.name);
  if (names.length) setters.push(containersPhrase(names));
  if (!setters.length) return undefined;
  const parts: string[] = [];
  if (types.size) parts.push(`${pluralize('type', 'types', types.size)} ${joinQuote([...types].sort())}`);
  if (user) parts.push('user may not be set');
  if (role) parts.push('role may not be set');
  return { reason: 'seLinuxOptions', detail: `${setters.join(' and ')} set forbidden securityContext.seLinuxOptions: ${parts.join('; ')}` };
};

const seccompBaseline: CheckFn = (_m, spec) => {
  const setters: string[] = [];
  if (spec.securityContext?.seccompProfile?.type === 'Unconfined') setters.push('pod');
  const names = containers(spec).filter((c) => c.securityContext?.seccompProfile?.type === 'Unconfined').map((c) => c.name);
  if (names.length) setters.push(containersPhrase(names));
  return setters.length ? { reason: 'seccompProfile', detail: `${setters.join(' and ')} must not set securityContext.seccompProfile.type to "Unconfined"` } : undefined;
};

const sysctls: CheckFn = (_m, spec) => {
  const bad = (spec.securityContext?.sysctls ?? []).map((s: any) => s.name as string).filter((n: string) => !SAFE_SYSCTLS.has(n));
  return bad.length ? { reason: 'forbidden sysctls', detail: bad.join(', ') } : undefined;
};

const allowPrivilegeEscalation: CheckFn = (_m, spec) => {
  const names = [...(spec.initContainers ?? []), ...(spec.containers ?? []), ...(spec.ephemeralContainers ?? [])]
    .filter((c) => c.securityContext?.allowPrivilegeEscalation !== false)
    .map((c) => c.name);
  return names.length ? { reason: 'allowPrivilegeEscalation != false', detail: `${containersPhrase(names)} must set securityContext.allowPrivilegeEscalation=false` } : undefined;
};

const capabilitiesRestricted: CheckFn = (_m, spec) => {
  const missingDrop: string[] = [];
  const adding: string[] = [];
  const caps = new Set<string>();
  for (const c of containers(spec)) {
    const cc = c.securityContext?.capabilities;
    if (!cc) {
      missingDrop.push(c.name);
      continue;
    }
    if (!(cc.drop ?? []).includes('ALL')) missingDrop.push(c.name);
    let bad = false;
    for (const cap of cc.add ?? []) {
      if (cap !== 'NET_BIND_SERVICE') {
        bad = true;
        caps.add(cap);
      }
    }
    if (bad) adding.push(c.name);
  }
  const d: string[] = [];
  if (missingDrop.length) d.push(`${containersPhrase(missingDrop)} must set securityContext.capabilities.drop=["ALL"]`);
  if (adding.length) d.push(`${containersPhrase(adding)} must not include ${joinQuote([...caps].sort())} in securityContext.capabilities.add`);
  return d.length ? { reason: 'unrestricted capabilities', detail: d.join('; ') } : undefined;
};

const restrictedVolumes: CheckFn = (_m, spec) => {
  const names: string[] = [];
  const types = new Set<string>();
  for (const v of spec.volumes ?? []) {
    const kind = Object.keys(v).find((k) => k !== 'name');
    if (kind && !RESTRICTED_VOLUME_OK.has(kind)) {
      names.push(v.name);
      types.add(kind);
    }
  }
  if (!names.length) return undefined;
  return {
    reason: 'restricted volume types',
    detail: `${pluralize('volume', 'volumes', names.length)} ${joinQuote(names)} ${pluralize('uses', 'use', names.length)} ${pluralize('restricted volume type', 'restricted volume types', types.size)} ${joinQuote([...types].sort())}`,
  };
};

const runAsNonRoot: CheckFn = (_m, spec) => {
  if (spec.hostUsers === false) return undefined;
  const bad: string[] = [];
  const podVal = spec.securityContext?.runAsNonRoot;
  if (podVal === false) bad.push('pod');
  const explicit: string[] = [];
  const implicit: string[] = [];
  for (const c of containers(spec)) {
    const v = c.securityContext?.runAsNonRoot;
    if (v === false) explicit.push(c.name);
    else if (v === undefined && podVal !== true) implicit.push(c.name);
  }
  if (explicit.length) bad.push(containersPhrase(explicit));
  if (bad.length) return { reason: 'runAsNonRoot != true', detail: `${bad.join(' and ')} must not set securityContext.runAsNonRoot=false` };
  if (implicit.length) return { reason: 'runAsNonRoot != true', detail: `pod or ${containersPhrase(implicit)} must set securityContext.runAsNonRoot=true` };
  return undefined;
};

const runAsUser: CheckFn = (_m, spec) => {
  if (spec.hostUsers === false) return undefined;
  const setters: string[] = [];
  if (spec.securityContext?.runAsUser === 0) setters.push('pod');
  const names = containers(spec).filter((c) => c.securityContext?.runAsUser === 0).map((c) => c.name);
  if (names.length) setters.push(containersPhrase(names));
  return setters.length ? { reason: 'runAsUser=0', detail: `${setters.join(' and ')} must not set runAsUser=0` } : undefined;
};

const validSeccomp = (t: string | undefined) => t === 'RuntimeDefault' || t === 'Localhost';
const seccompRestricted: CheckFn = (_m, spec) => {
  const bad: string[] = [];
  const values = new Set<string>();
  const podType = spec.securityContext?.seccompProfile?.type;
  let podSet = false;
  if (spec.securityContext?.seccompProfile) {
    if (!validSeccomp(podType)) {
      bad.push('pod');
      values.add(podType);
    } else podSet = true;
  }
  const explicit: string[] = [];
  const implicit: string[] = [];
  for (const c of containers(spec)) {
    const p = c.securityContext?.seccompProfile;
    if (p) {
      if (!validSeccomp(p.type)) {
        explicit.push(c.name);
        values.add(p.type);
      }
    } else if (!podSet) implicit.push(c.name);
  }
  if (explicit.length) bad.push(containersPhrase(explicit));
  if (bad.length) return { reason: 'seccompProfile', detail: `${bad.join(' and ')} must not set securityContext.seccompProfile.type to ${joinQuote([...values].sort())}` };
  if (implicit.length) return { reason: 'seccompProfile', detail: `pod or ${containersPhrase(implicit)} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"` };
  return undefined;
};

const CHECKS: Check[] = [
  { id: 'appArmorProfile', level: 'baseline', run: appArmorProfile },
  { id: 'capabilities_baseline', level: 'baseline', run: capabilitiesBaseline },
  { id: 'hostNamespaces', level: 'baseline', run: hostNamespaces },
  { id: 'hostPathVolumes', level: 'baseline', run: hostPathVolumes },
  { id: 'hostPorts', level: 'baseline', run: hostPorts },
  { id: 'privileged', level: 'baseline', run: privileged },
  { id: 'procMount', level: 'baseline', run: procMount },
  { id: 'seLinuxOptions', level: 'baseline', run: seLinuxOptions },
  { id: 'seccompProfile_baseline', level: 'baseline', run: seccompBaseline },
  { id: 'sysctls', level: 'baseline', run: sysctls },
  { id: 'windowsHostProcess', level: 'baseline', run: windowsHostProcess },
  { id: 'allowPrivilegeEscalation', level: 'restricted', run: allowPrivilegeEscalation },
  { id: 'capabilities_restricted', level: 'restricted', run: capabilitiesRestricted },
  { id: 'restrictedVolumes', level: 'restricted', overrides: ['hostPathVolumes'], run: restrictedVolumes },
  { id: 'runAsNonRoot', level: 'restricted', run: runAsNonRoot },
  { id: 'runAsUser', level: 'restricted', run: runAsUser },
  { id: 'seccompProfile_restricted', level: 'restricted', overrides: ['seccompProfile_baseline'], run: seccompRestricted },
];

/** Violations of a pod (metadata + spec) against a level, in upstream order. */
export function evaluatePod(level: Level, meta: any, spec: any): CheckResult[] {
  if (level === 'privileged') return [];
  const active = CHECKS.filter((c) => c.level === 'baseline' || level === 'restricted');
  const overridden = new Set(level === 'restricted' ? active.flatMap((c) => c.overrides ?? []) : []);
  const out: CheckResult[] = [];
  for (const c of active) {
    if (overridden.has(c.id)) continue;
    const r = c.run(meta, spec ?? {});
    if (r) out.push(r);
  }
  return out;
}

/** `privileged (container "c" must not set ...), runAsNonRoot != true (...)` */
export function formatViolations(results: readonly CheckResult[]): string {
  return results.map((r) => (r.detail ? `${r.reason} (${r.detail})` : r.reason)).join(', ');
}
