import { expect, test } from "bun:test";
import { identityFromPeerCert, type PeerCertLike } from "./identity.ts";

test.each<[string, PeerCertLike | undefined, boolean, ReturnType<typeof identityFromPeerCert>]>([
  ["CN and one O", { subject: { CN: "system:admin", O: "system:masters" } }, true, { user: "system:admin", groups: ["system:masters", "system:authenticated"] }],
  ["several O", { subject: { CN: "system:node:n1", O: ["system:nodes", "team"] } }, true, { user: "system:node:n1", groups: ["system:nodes", "team", "system:authenticated"] }],
  ["no O", { subject: { CN: "alice" } }, true, { user: "alice", groups: ["system:authenticated"] }],
  ["O repeating the implicit group", { subject: { CN: "bob", O: ["system:authenticated"] } }, true, { user: "bob", groups: ["system:authenticated"] }],
  ["a cert that did not chain to the CA", { subject: { CN: "mallory", O: "system:masters" } }, false, undefined],
  ["no CN", { subject: { O: "system:masters" } }, true, undefined],
  ["empty CN", { subject: { CN: "" } }, true, undefined],
  ["several CN", { subject: { CN: ["a", "b"] } }, true, undefined],
  ["no certificate (node:tls gives {})", {}, true, undefined],
  ["undefined", undefined, true, undefined],
])("%s", (_name, cert, authorized, want) => {
  expect(identityFromPeerCert(cert, authorized)).toEqual(want);
});
