export { createCa, loadCa, type CaOptions, type CertPair } from "./ca.ts";
export { issueClientCert, issueServingCert, type ClientCertOptions, type ServingCertOptions } from "./certs.ts";
export { ensureServerPki, type ServerPki, type ServerPkiOptions } from "./bootstrap.ts";
export { renderKubeconfig, writeKubeconfig, type KubeconfigOptions } from "./kubeconfig.ts";
export { formatToken, generateSecret, parseToken, tokensEqual, type ParsedToken } from "./token.ts";
export { identityFromPeerCert, type CertIdentity, type PeerCertLike } from "./identity.ts";
export { certInfo, certSha256Hex, isSignedBy, keyMatchesCert, type CertInfo } from "./inspect.ts";
export { canonicalIp } from "./ip.ts";
export { PkiError, type PkiErrorReason } from "./errors.ts";
