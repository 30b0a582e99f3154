// Admission for CertificateSigningRequests, the part of the certificate API that decides who a
// request is from and who may approve or sign it: records the requester (upstream does this in
// the CSR strategy, which sees no user here), and upstream's CertificateSubjectRestriction,
// CertificateApproval and CertificateSigning plugins. Refuses with StatusErrors; never writes.
import { errors } from '../../api/errors.js';
import { parseCsrRequest } from '../../controllers/certificates/csr.js';
import type { AdmissionAttributes, AdmissionPlugin, Authorizer, UserInfo } from '../types.js';

const isCsr = (a: AdmissionAttributes) => a.info.group === 'certificates.k8s.io' && a.info.plural === 'certificatesigningrequests';

function forbidden(a: AdmissionAttributes, why: string) {
  return errors.forbidden(`certificatesigningrequests.certificates.k8s.io "${a.name || a.object?.metadata.name || ''}" is forbidden: ${why}`, { name: a.name, group: 'certificates.k8s.io', kind: 'certificatesigningrequests' });
}

/**
 * On create, spec.username/uid/groups/extra become the authenticated requester (whatever the
 * client sent); an approval may change conditions only, never the issued certificate.
 */
export function csrRequesterPlugin(): AdmissionPlugin {
  return {
    name: 'CertificateSigningRequestRequester',
    async admit(a) {
      if (!isCsr(a) || !a.object) return;
      const o = a.object as any;
      if (a.operation === 'CREATE' && !a.subresource) {
        const spec = (o.spec ??= {});
        const u: UserInfo = a.user;
        spec.username = u.username;
        if (u.uid) spec.uid = u.uid;
        else delete spec.uid;
        spec.groups = [...u.groups];
        if (u.extra && Object.keys(u.extra).length) spec.extra = structuredClone(u.extra);
        else delete spec.extra;
      } else if (a.operation === 'UPDATE' && a.subresource === 'approval') {
        const old = (a.oldObject as any)?.status?.certificate;
        o.status ??= {};
        if (old) o.status.certificate = old;
        else delete o.status.certificate;
      }
    },
  };
}

/** upstream CertificateSubjectRestriction: no system:masters through the client signer. */
export function certificateSubjectRestriction(): AdmissionPlugin {
  return {
    name: 'CertificateSubjectRestriction',
    async validate(a) {
      if (!isCsr(a) || a.operation !== 'CREATE' || a.subresource || !a.object) return;
      const spec = (a.object as any).spec ?? {};
      if (spec.signerName !== 'kubernetes.io/kube-apiserver-client') return;
      let orgs: string[];
      try {
        orgs = (await parseCsrRequest(spec)).organizations;
      } catch (err) {
        throw errors.badRequest(`unable to parse csr: ${(err as Error).message}`);
      }
      if (orgs.includes('system:masters')) throw forbidden(a, `use of ${spec.signerName} signer with system:masters group is not allowed`);
    },
  };
}

/** Whether user may <verb> signers/<signerName> (or the signer's domain wildcard). */
async function maySigner(authz: Authorizer, user: UserInfo, verb: 'approve' | 'sign', signerName: string): Promise<boolean> {
  const base = { user, verb, isResourceRequest: true, apiGroup: 'certificates.k8s.io', apiVersion: '*', resource: 'signers', subresource: '', namespace: '', path: '' };
  if ((await authz.authorize({ ...base, name: signerName })).decision === 'allow') return true;
  const domain = signerName.split('/')[0];
  return (await authz.authorize({ ...base, name: `${domain}/*` })).decision === 'allow';
}

/** upstream CertificateApproval: approving or denying needs `approve` on the signer. */
export function certificateApproval(authz: Authorizer): AdmissionPlugin {
  return {
    name: 'CertificateApproval',
    async validate(a) {
      if (!isCsr(a) || a.operation !== 'UPDATE' || a.subresource !== 'approval' || !a.object) return;
      const signer = (a.oldObject as any)?.spec?.signerName ?? (a.object as any).spec?.signerName;
      if (!(await maySigner(authz, a.user, 'approve', signer))) throw forbidden(a, `user not permitted to approve requests with signerName "${signer}"`);
    },
  };
}

/** upstream CertificateSigning: setting status.certificate needs `sign` on the signer. */
export function certificateSigning(authz: Authorizer): AdmissionPlugin {
  return {
    name: 'CertificateSigning',
    async validate(a) {
      if (!isCsr(a) || a.operation !== 'UPDATE' || a.subresource !== 'status' || !a.object) return;
      const next = (a.object as any).status?.certificate;
      const prev = (a.oldObject as any)?.status?.certificate;
      if (!next || next === prev) return;
      const signer = (a.oldObject as any)?.spec?.signerName ?? (a.object as any).spec?.signerName;
      if (!(await maySigner(authz, a.user, 'sign', signer))) throw forbidden(a, `user not permitted to sign requests with signerName "${signer}"`);
    },
  };
}

/** The CSR plugins in upstream's order (requester first, as the strategy runs before admission). */
export function csrAdmissionPlugins(authz: Authorizer): AdmissionPlugin[] {
  return [csrRequesterPlugin(), certificateApproval(authz), certificateSigning(authz), certificateSubjectRestriction()];
}
