import { expect, test } from "bun:test";
import { getContexts, viewConfig } from "./config.ts";

const doc = {
  "current-context": "a",
  contexts: [{ name: "a", context: { cluster: "c", user: "u" } }, { name: "b", context: { cluster: "c2", user: "u2", namespace: "ns" } }],
  clusters: [{ name: "c", cluster: { server: "https://x", "certificate-authority-data": "Q0E=" } }, { name: "c2", cluster: { server: "https://y" } }],
  users: [{ name: "u", user: { "client-key-data": "S0VZ", token: "t" } }, { name: "u2", user: {} }],
};

test("config view hides secrets unless --raw; --minify keeps the current context's parts", () => {
  const v = viewConfig(doc, {});
  expect(v.clusters[0].cluster["certificate-authority-data"]).toBe("DATA+OMITTED");
  expect(v.users[0].user).toEqual({ "client-key-data": "DATA+OMITTED", token: "REDACTED" });
  expect(viewConfig(doc, { raw: true }).users[0].user.token).toBe("t");
  const m = viewConfig(doc, { minify: true });
  expect([m.contexts.length, m.clusters.length, m.users.length]).toEqual([1, 1, 1]);
});

test("get-contexts marks the current one, as kubectl's table", () => {
  expect(getContexts(doc, {})).toBe("CURRENT   NAME   CLUSTER   AUTHINFO   NAMESPACE\n*         a      c         u          \n          b      c2        u2         ns\n");
});
