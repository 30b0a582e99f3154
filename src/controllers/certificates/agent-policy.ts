// k8ts' approval policy for the certificates a joined node agent needs beyond its kubelet client
// identity (upstream leaves these to an external approver; k3s signs them itself on the server):
//  - kubelet-serving: a node may have a serving certificate for itself (CN system:node:<name>)
//    naming only its node name and the addresses its Node object reports;
//  - kube-apiserver-client: a node may have client certificates for the agent components it runs
//    (kube-proxy, cluster DNS, ingress), each a fixed user with no groups.
// Pure decisions over the CSR and the requester's Node; the controller does the writing.
import type { KubeObject } from '../../api/object.js';
import { apiClientProblems, KUBE_APISERVER_CLIENT_SIGNER, KUBELET_SERVING_SIGNER, kubeletServingProblems, parseCsrRequest, type Csr, type ParsedRequest } from './csr.js';

/** The users a node agent may obtain client certificates for (each bound to its own least-privilege role). */
export const AGENT_COMPONENT_USERS: ReadonlySet<string> = new Set(['system:kube-proxy', 'system:k8ts:coredns', 'system:k8ts:ingress', 'system:k8ts:local-path-node']);

const NODE_USER_PREFIX = 'system:node:';

export function isAgentPolicySigner(signerName: string | undefined): boolean {
  return signerName === KUBELET_SERVING_SIGNER || signerName === KUBE_APISERVER_CLIENT_SIGNER;
}

export interface AgentPolicyDecision {
  /** the approval message, when approved */
  approve?: string;
  /** why the decision must wait (the Node has not reported its addresses yet) */
  retry?: string;
}

function requestingNode(csr: Csr): string | undefined {
  const user = csr.spec.username ?? '';
  if (!user.startsWith(NODE_USER_PREFIX) || !(csr.spec.groups ?? []).includes('system:nodes')) return undefined;
  return user.slice(NODE_USER_PREFIX.length);
}

/** Whether the serving certificate names only what the Node is (pure). */
export function servingDecision(csr: Csr, p: ParsedRequest, node: KubeObject | undefined): AgentPolicyDecision {
  const nodeName = requestingNode(csr);
  if (!nodeName || p.commonName !== csr.spec.username) return {};
  if (kubeletServingProblems(p, csr.spec.usages ?? []).length) return {};
  if (!node) return { retry: `node ${nodeName} is not registered yet` };
  const addresses = ((node.status as { addresses?: { type: string; address: string }[] } | undefined)?.addresses ?? []);
  if (!addresses.length) return { retry: `node ${nodeName} has not reported its addresses yet` };
  const names = new Set([nodeName, ...addresses.map((a) => a.address)]);
  if (p.sans.some((s) => !names.has(s.value))) return {};
  return { approve: 'Auto approving kubelet serving certificate for the addresses of its Node.' };
}

/** Whether a node asks for one of the fixed agent component identities (pure). */
export function componentDecision(csr: Csr, p: ParsedRequest): AgentPolicyDecision {
  if (!requestingNode(csr)) return {};
  if (!AGENT_COMPONENT_USERS.has(p.commonName) || p.organizations.length || p.sans.length) return {};
  if (apiClientProblems(csr.spec.usages ?? []).length) return {};
  return { approve: `Auto approving ${p.commonName} client certificate for a node agent.` };
}

export async function agentPolicyDecision(csr: Csr, nodeByName: (name: string) => KubeObject | undefined): Promise<AgentPolicyDecision> {
  let parsed: ParsedRequest;
  try {
    parsed = await parseCsrRequest(csr.spec);
  } catch {
    return {};
  }
  if (csr.spec.signerName === KUBELET_SERVING_SIGNER) {
    const nodeName = requestingNode(csr);
    return servingDecision(csr, parsed, nodeName ? nodeByName(nodeName) : undefined);
  }
  return componentDecision(csr, parsed);
}
