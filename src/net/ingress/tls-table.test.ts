import { beforeAll, expect, test } from "bun:test";
import { createCa, issueServingCert } from "../../pki/index.ts";
import { TlsTable, readPair } from "./tls-table.ts";
import { ingress, tlsSecret } from "./test-objects.ts";

let pairs: { certPem: string; keyPem: string }[];
beforeAll(async () => {
  const ca = await createCa("tls-table-test");
  pairs = await Promise.all(["default", "a", "b"].map((cn) => issueServingCert(ca, { commonName: cn, dnsNames: [cn], ips: [] })));
});

const DEFAULT = "kube-system/default-cert";
const names = (t: TlsTable) => t.entries()?.map((e) => e.serverName ?? "(default)");

test("no entries until the default certificate exists; then default first, one entry per host", () => {
  const t = new TlsTable(DEFAULT);
  t.upsertIngress(ingress("i", { tls: [{ hosts: ["b.test", "A.test"], secretName: "s" }] }));
  t.upsertSecret(tlsSecret("s", pairs[1]!.certPem, pairs[1]!.keyPem));
  expect(t.entries()).toBeUndefined();
  t.upsertSecret(tlsSecret("default-cert", pairs[0]!.certPem, pairs[0]!.keyPem, "kube-system"));
  expect(names(t)).toEqual(["(default)", "a.test", "b.test"]);
  expect(t.uses("default/s")).toBe(true);
  expect(t.uses("default/other")).toBe(false);
});

test("two Ingresses claiming one host: the oldest's Secret; a Secret in another namespace is not reachable", () => {
  const t = new TlsTable(DEFAULT);
  t.upsertSecret(tlsSecret("default-cert", pairs[0]!.certPem, pairs[0]!.keyPem, "kube-system"));
  t.upsertSecret(tlsSecret("old", pairs[1]!.certPem, pairs[1]!.keyPem));
  t.upsertSecret(tlsSecret("new", pairs[2]!.certPem, pairs[2]!.keyPem));
  t.upsertIngress(ingress("young", { created: "2026-05-01T00:00:00Z", tls: [{ hosts: ["x.test"], secretName: "new" }] }));
  t.upsertIngress(ingress("old", { created: "2026-01-01T00:00:00Z", tls: [{ hosts: ["x.test"], secretName: "old" }] }));
  expect(t.entries()![1]!.cert).toBe(pairs[1]!.certPem);
  t.deleteIngress("default/old");
  expect(t.entries()![1]!.cert).toBe(pairs[2]!.certPem);
  // the Ingress's namespace names the Secret: one in "other" does not count
  t.upsertIngress(ingress("elsewhere", { ns: "other", tls: [{ hosts: ["y.test"], secretName: "new" }] }));
  expect(names(t)).toEqual(["(default)", "x.test"]);
});

test.each([
  ["no data", { data: {} }, /no tls.crt/],
  ["not PEM", { data: { "tls.crt": btoa("nope"), "tls.key": btoa("nope") } }, /not valid PEM/],
])("a Secret with %s is not a pair", (_, patch, reason) => {
  const s = { ...tlsSecret("s", "", ""), ...patch };
  const r = readPair(s);
  expect(r.ok).toBe(false);
  if (!r.ok) expect(r.reason).toMatch(reason);
});

test("a key that is not the certificate's is refused, and the host falls back to the default certificate", () => {
  const t = new TlsTable(DEFAULT);
  t.upsertSecret(tlsSecret("default-cert", pairs[0]!.certPem, pairs[0]!.keyPem, "kube-system"));
  t.upsertIngress(ingress("i", { tls: [{ hosts: ["a.test"], secretName: "s" }] }));
  const r = t.upsertSecret(tlsSecret("s", pairs[1]!.certPem, pairs[2]!.keyPem));
  expect(r).toEqual({ ok: false, reason: "tls.key is not the private key of tls.crt" });
  expect(names(t)).toEqual(["(default)"]);
});
