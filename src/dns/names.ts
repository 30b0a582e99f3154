// DNS name helpers for the cluster zone: canonical form (lower case, no trailing dot), reverse
// names of addresses, and the dashed-address labels CoreDNS uses for pods and unnamed endpoints.
// Pure.
import { isIPv4, isIPv6 } from 'node:net';

/** Lower case without the trailing dot; the root is the empty string. */
export function canonicalName(name: string): string {
  let n = name;
  if (n.endsWith('.')) n = n.slice(0, -1);
  // Most clients already ask in lower case; only allocate when needed.
  for (let i = 0; i < n.length; i++) {
    const c = n.charCodeAt(i);
    if (c >= 65 && c <= 90) return n.toLowerCase();
  }
  return n;
}

/** True when name equals zone or lies below it (both canonical). */
export function inZone(name: string, zone: string): boolean {
  if (zone === '') return true;
  return name === zone || (name.length > zone.length && name.endsWith(zone) && name.charCodeAt(name.length - zone.length - 1) === 46);
}

/** Every proper ancestor of name down to and including zone (both canonical, name inside zone). */
export function ancestorsWithin(name: string, zone: string): string[] {
  const out: string[] = [];
  let n = name;
  while (n !== zone) {
    const dot = n.indexOf('.');
    if (dot < 0) break;
    n = n.slice(dot + 1);
    out.push(n);
  }
  return out;
}

/** Fully expanded IPv6 address as 32 hex nibbles, or undefined. */
export function ipv6Nibbles(ip: string): string | undefined {
  if (!isIPv6(ip)) return undefined;
  let addr = ip.toLowerCase();
  const pct = addr.indexOf('%');
  if (pct >= 0) addr = addr.slice(0, pct);
  // An embedded IPv4 tail becomes two groups.
  const lastColon = addr.lastIndexOf(':');
  const tail = addr.slice(lastColon + 1);
  if (isIPv4(tail)) {
    const p = tail.split('.').map(Number);
    addr = `${addr.slice(0, lastColon + 1)}${((p[0]! << 8) | p[1]!).toString(16)}:${((p[2]! << 8) | p[3]!).toString(16)}`;
  }
  const [head, rest] = addr.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const t = rest !== undefined && rest !== '' ? rest.split(':') : [];
  const fill = rest !== undefined ? 8 - h.length - t.length : 0;
  const groups = [...h, ...Array<string>(fill).fill('0'), ...t];
  if (groups.length !== 8) return undefined;
  return groups.map((g) => g.padStart(4, '0')).join('');
}

/** The PTR owner name of an address (in-addr.arpa / ip6.arpa), or undefined for non-addresses. */
export function reverseName(ip: string): string | undefined {
  if (isIPv4(ip)) {
    const p = ip.split('.');
    return `${p[3]}.${p[2]}.${p[1]}.${p[0]}.in-addr.arpa`;
  }
  const nibbles = ipv6Nibbles(ip);
  if (!nibbles) return undefined;
  let out = '';
  for (let i = nibbles.length - 1; i >= 0; i--) out += `${nibbles[i]}.`;
  return `${out}ip6.arpa`;
}

export function isReverseName(name: string): boolean {
  return name.endsWith('in-addr.arpa') || name.endsWith('ip6.arpa');
}

/** "10.42.0.5" → "10-42-0-5"; "fd00::5" → "fd00--5" (CoreDNS's endpoint and pod labels). */
export function dashedAddress(ip: string): string {
  return ip.replace(/[.:]/g, '-');
}

/** The address a dashed pod label stands for ("10-42-0-5" → "10.42.0.5"), or undefined. */
export function addressFromDashed(label: string): { ip: string; family: 4 | 6 } | undefined {
  const v4 = label.replace(/-/g, '.');
  if (isIPv4(v4)) return { ip: v4, family: 4 };
  const v6 = label.replace(/-/g, ':');
  if (isIPv6(v6)) return { ip: v6, family: 6 };
  return undefined;
}
