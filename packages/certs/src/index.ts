export { ensureCertificates, CertificateError, type CertificateOptions, type ControlPlaneCertificates, type IssuedCertificate } from './control-plane.js';
export { createCertificateAuthority, issueLeafCertificate, generateKeyPair, importKeyPair, privateKeyPem, publicKeyPem, type CertificateAndKey, type KeyPair, type LeafRequest, type Subject, type Usage } from './x509.js';
export { parseCertificateRequest, readCertificateRequest, signCertificateRequest, verifyCertificateRequest, pemBlocks, CERTIFICATE_USAGES, type CertificateRequestInfo, type SignOptions } from './certificate-request.js';
