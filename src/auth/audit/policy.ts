// Audit Policy (audit.k8s.io/v1) evaluation: the first rule matching a request decides its level
// and omitted stages; no policy means Metadata for everything. Pure functions.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { AuditEvent } from '../types.js';

export type AuditLevel = 'None' | 'Metadata' | 'Request' | 'RequestResponse';

export interface GroupResources {
  group?: string;
  resources?: string[];
  resourceNames?: string[];
}

export interface PolicyRule {
  level: AuditLevel;
  users?: string[];
  userGroups?: string[];
  verbs?: string[];
  resources?: GroupResources[];
  namespaces?: string[];
  nonResourceURLs?: string[];
  omitStages?: string[];
  omitManagedFields?: boolean;
}

export interface AuditPolicy {
  rules: PolicyRule[];
  omitStages?: string[];
  omitManagedFields?: boolean;
}

export interface PolicyDecision {
  level: AuditLevel;
  omitStages: string[];
  omitManagedFields: boolean;
}

export const DEFAULT_POLICY: AuditPolicy = { rules: [{ level: 'Metadata' }] };

export function parseAuditPolicy(text: string): AuditPolicy {
  const doc = parse(text) as any;
  if (doc?.kind !== 'Policy') throw new Error(`expected kind Policy, got ${doc?.kind}`);
  if (doc.apiVersion !== 'audit.k8s.io/v1') throw new Error(`unsupported audit policy apiVersion ${doc.apiVersion}`);
  const rules: PolicyRule[] = doc.rules ?? [];
  for (const r of rules) if (!['None', 'Metadata', 'Request', 'RequestResponse'].includes(r.level)) throw new Error(`invalid audit level "${r.level}"`);
  return { rules, omitStages: doc.omitStages, omitManagedFields: doc.omitManagedFields };
}

export function loadAuditPolicy(path: string): AuditPolicy {
  return parseAuditPolicy(readFileSync(path, 'utf8'));
}

function urlMatches(patterns: readonly string[], path: string): boolean {
  return patterns.some((p) => p === '*' || p === path || (p.endsWith('*') && path.startsWith(p.slice(0, -1))));
}

function resourceMatches(list: readonly GroupResources[], ref: NonNullable<AuditEvent['objectRef']>): boolean {
  const combined = ref.subresource ? `${ref.resource}/${ref.subresource}` : ref.resource ?? '';
  return list.some((gr) => {
    if ((gr.group ?? '') !== (ref.apiGroup ?? '') && gr.group !== '*') return false;
    if (gr.resources?.length) {
      const hit = gr.resources.some((r) => r === '*' || r === combined || (ref.subresource && (r === `*/${ref.subresource}` || r === `${ref.resource}/*`)));
      if (!hit) return false;
    }
    if (gr.resourceNames?.length && !gr.resourceNames.includes(ref.name ?? '')) return false;
    return true;
  });
}

function ruleMatches(rule: PolicyRule, e: Pick<AuditEvent, 'user' | 'verb' | 'objectRef' | 'requestURI'>): boolean {
  if (rule.users?.length && !rule.users.includes(e.user.username)) return false;
  if (rule.userGroups?.length && !rule.userGroups.some((g) => e.user.groups.includes(g))) return false;
  if (rule.verbs?.length && !rule.verbs.includes(e.verb)) return false;
  const isResource = !!e.objectRef;
  if (rule.nonResourceURLs?.length || rule.resources?.length || rule.namespaces?.length) {
    if (isResource) {
      if (!rule.resources?.length && !rule.namespaces?.length) return false;
      if (rule.namespaces?.length && !rule.namespaces.includes(e.objectRef!.namespace ?? '')) return false;
      if (rule.resources?.length && !resourceMatches(rule.resources, e.objectRef!)) return false;
    } else {
      if (!rule.nonResourceURLs?.length) return false;
      if (!urlMatches(rule.nonResourceURLs, e.requestURI.split('?')[0]!)) return false;
    }
  }
  return true;
}

export function evaluatePolicy(policy: AuditPolicy, e: Pick<AuditEvent, 'user' | 'verb' | 'objectRef' | 'requestURI'>): PolicyDecision {
  for (const rule of policy.rules) {
    if (!ruleMatches(rule, e)) continue;
    return {
      level: rule.level,
      omitStages: [...(policy.omitStages ?? []), ...(rule.omitStages ?? [])],
      omitManagedFields: rule.omitManagedFields ?? policy.omitManagedFields ?? false,
    };
  }
  return { level: 'None', omitStages: [], omitManagedFields: false };
}
