/**
 * The wire format of a node's certificate renewal, shared by the agent that asks and the
 * server that answers (K3s' agents ask `/v1-k3s/client-kubelet.crt` with their node name and
 * node password the same way):
 *
 *   POST /v1-k3rs/renew   TLS client certificate system:node:<name> (still valid), body
 *                         { nodeName, nodePassword } → 200 { certPem, keyPem, caPem }
 *
 * An expired certificate (or one of another CA) is no identity: 401, and the agent must join
 * again with the token. Another node's certificate, a non-node identity or a wrong password: 403.
 */
export const NODE_RENEW_PATH = "/v1-k3rs/renew";

export interface NodeRenewRequest {
  nodeName: string;
  nodePassword: string;
}

export interface NodeCredentialsResponse {
  certPem: string;
  keyPem: string;
  caPem: string;
}
