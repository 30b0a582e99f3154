// Authentication (issue 7): who a request is from, beyond the client certificates TLS checks in
// src/apiserver/authn.ts — ServiceAccount tokens (bound JWTs, TokenRequest, TokenReview),
// bootstrap tokens for joining nodes, the static token file — plus the CSR admission rules that
// record a certificate request's requester, and the controllers that need the cluster's keys (CSR
// signer and approver, legacy token Secrets). Owns the service-account signing key; the
// authenticators read API objects only through the storages they are given; the controllers write
// only CSR approval/status and token Secrets, through the API. Never authorizes.
import type { ApiMachinery } from '../../apiserver/machinery.js';
import type { ResourceStorage } from '../../apiserver/registry/resource-storage.js';
import type { SpecialHandler } from '../../apiserver/server.js';
import type { TokenAuthenticator } from '../types.js';
import type { CertificateAuthority } from '../../pki/ca.js';
import type { ControllerDescriptor } from '../../controllers/types.js';
import { csrSigningDescriptorWith } from '../../controllers/certificates/csr-signing-controller.js';
import { csrApprovingControllerDescriptor } from '../../controllers/certificates/csr-approving-controller.js';
import { legacyTokenDescriptorWith } from './legacy-token-controller.js';
import { bootstrapTokenAuthenticator } from './bootstrap-tokens.js';
import { ServiceAccountTokens, storageLookup } from './service-account-tokens.js';
import { loadTokenFile } from './token-file.js';
import { tokenRequestHandler, tokenReviewHandler } from './token-handlers.js';

export { ServiceAccountTokens, storageLookup, serviceAccountUser, serviceAccountGroups, DEFAULT_ISSUER, type ObjectLookup } from './service-account-tokens.js';
export { bootstrapTokenAuthenticator, bootstrapTokenSecret, generateBootstrapToken, formatBootstrapToken, parseBootstrapToken } from './bootstrap-tokens.js';
export { loadTokenFile, parseTokenCsv, tokenFileAuthenticator } from './token-file.js';
export { tokenRequestHandler, tokenReviewHandler, reviewToken } from './token-handlers.js';
export { legacyTokenDescriptorWith, LegacyTokenController } from './legacy-token-controller.js';
export { csrAdmissionPlugins, csrRequesterPlugin, certificateApproval, certificateSigning, certificateSubjectRestriction } from './csr-admission.js';

export interface AuthenticationOptions {
  dataDir: string;
  machinery: ApiMachinery;
  /** Storage of a built-in resource, e.g. `(g, p) => byPlural.get(`${g}/${p}`)`. */
  storage(group: string, plural: string): ResourceStorage | undefined;
  /** --token-auth-file */
  tokenAuthFile?: string;
  /** --service-account-max-token-expiration, in seconds. */
  maxTokenExpirationSeconds?: number;
  /** The cluster CA: enables the CSR signer and the tokens controller in `controllers`. */
  ca?: CertificateAuthority;
}

export interface Authentication {
  serviceAccountTokens: ServiceAccountTokens;
  /** For `new Authenticator(tokenAuthenticators)`, in upstream's order. */
  tokenAuthenticators: TokenAuthenticator[];
  /** serviceaccounts/token and tokenreviews; must come before the generic review handler. */
  specialHandlers: SpecialHandler[];
  /** csrsigning, csrapproving and serviceaccount-token, for the controller manager (needs o.ca). */
  controllers: ControllerDescriptor[];
}

/** Everything the API server needs for bearer-token authentication, built from its storages. */
export async function createAuthentication(o: AuthenticationOptions): Promise<Authentication> {
  const getCached = async (g: string, p: string, ns: string, n: string) => o.storage(g, p)?.getCached(ns, n);
  const tokens = await ServiceAccountTokens.load(o.dataDir, { lookup: storageLookup(getCached) });
  // Upstream's order: token file, then ServiceAccount tokens, then bootstrap tokens.
  const file = o.tokenAuthFile ? [loadTokenFile(o.tokenAuthFile)] : [];
  const bootstrap = bootstrapTokenAuthenticator((ns, n) => getCached('', 'secrets', ns, n));
  const others = [...file, bootstrap];
  return {
    serviceAccountTokens: tokens,
    tokenAuthenticators: [...file, tokens.authenticator(), bootstrap],
    specialHandlers: [
      tokenRequestHandler({ machinery: o.machinery, tokens, storage: o.storage, maxExpirationSeconds: o.maxTokenExpirationSeconds }),
      tokenReviewHandler({ machinery: o.machinery, tokens, others }),
    ],
    controllers: o.ca ? [csrSigningDescriptorWith({ ca: o.ca }), csrApprovingControllerDescriptor, legacyTokenDescriptorWith({ tokens, caPem: o.ca.certPem })] : [],
  };
}
