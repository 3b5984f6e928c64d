import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import YAML from "yaml";
import { findKubeconfig, KubeconfigError, loadKubeconfig } from "./kubeconfig.ts";

const dir = mkdtempSync(join(tmpdir(), "k3rs-kubeconfig-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const b64 = (s: string) => Buffer.from(s).toString("base64");

function write(name: string, doc: unknown): string {
  const p = join(dir, name);
  writeFileSync(p, typeof doc === "string" ? doc : YAML.stringify(doc));
  return p;
}

function config(over: { cluster?: object; user?: object; context?: object; current?: string } = {}) {
  return {
    apiVersion: "v1",
    kind: "Config",
    "current-context": over.current ?? "main",
    clusters: [{ name: "c", cluster: { server: "https://127.0.0.1:6443/", "certificate-authority-data": b64("CA PEM"), ...over.cluster } }],
    users: [{ name: "u", user: { "client-certificate-data": b64("CERT PEM"), "client-key-data": b64("KEY PEM"), ...over.user } }],
    contexts: [
      { name: "main", context: { cluster: "c", user: "u", ...over.context } },
      { name: "other", context: { cluster: "c", user: "u", namespace: "kube-system" } },
    ],
  };
}

describe("loadKubeconfig", () => {
  test("inline data of the current context, trailing slash dropped", () => {
    const cfg = loadKubeconfig(write("inline.yaml", config()));
    expect(cfg).toMatchObject({ server: "https://127.0.0.1:6443", ca: "CA PEM", cert: "CERT PEM", key: "KEY PEM", insecure: false, namespace: undefined });
  });

  test("an explicit context and its namespace", () => {
    expect(loadKubeconfig(write("ctx.yaml", config()), "other").namespace).toBe("kube-system");
  });

  test("files relative to the kubeconfig, and a bearer token file", () => {
    mkdirSync(join(dir, "pki"), { recursive: true });
    writeFileSync(join(dir, "pki", "ca.crt"), "CA FROM FILE");
    writeFileSync(join(dir, "pki", "token"), "s3cret\n");
    const p = write("files.yaml", config({
      cluster: { "certificate-authority-data": undefined, "certificate-authority": "pki/ca.crt" },
      user: { "client-certificate-data": undefined, "client-key-data": undefined, tokenFile: join(dir, "pki", "token") },
    }));
    expect(loadKubeconfig(p)).toMatchObject({ ca: "CA FROM FILE", cert: undefined, key: undefined, token: "s3cret" });
  });

  test("an inline token and insecure-skip-tls-verify", () => {
    const p = write("token.yaml", config({ cluster: { "insecure-skip-tls-verify": true }, user: { token: "abc" } }));
    expect(loadKubeconfig(p)).toMatchObject({ token: "abc", insecure: true });
  });

  test.each([
    ["a missing file", () => join(dir, "nope.yaml"), /reading kubeconfig .*nope\.yaml/],
    ["an empty file", () => write("empty.yaml", ""), /is empty/],
    ["no current-context", () => write("nocur.yaml", config({ current: "" })), /current-context is not set/],
    ["an unknown context", () => write("noctx.yaml", config({ current: "ghost" })), /context "ghost" not found/],
    ["a context naming no cluster", () => write("nocl.yaml", config({ context: { cluster: "ghost" } })), /cluster "ghost" of context "main" not found/],
    ["a cluster without a server", () => write("nosrv.yaml", config({ cluster: { server: "" } })), /cluster "c" has no server/],
    ["a context naming no user", () => write("nouser.yaml", config({ context: { user: "ghost" } })), /user "ghost" of context "main" not found/],
    ["a missing certificate file", () => write("nofile.yaml", config({ cluster: { "certificate-authority-data": undefined, "certificate-authority": "missing.crt" } })), /reading certificate-authority .*missing\.crt/],
  ])("%s is a clear KubeconfigError", (_name, make, message) => {
    const path = make();
    let err: unknown;
    try {
      loadKubeconfig(path);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(KubeconfigError);
    expect((err as Error).message).toMatch(message);
  });
});

describe("findKubeconfig", () => {
  const home = join(dir, "home");
  const homeConfig = join(home, ".kube", "config");
  mkdirSync(join(home, ".kube"), { recursive: true });
  writeFileSync(homeConfig, "x");
  const present = write("present.yaml", "x");

  test("--kubeconfig wins over everything", () => {
    expect(findKubeconfig("/explicit", { env: { KUBECONFIG: present }, home })).toBe("/explicit");
  });

  test("KUBECONFIG: the first file that exists", () => {
    expect(findKubeconfig(undefined, { env: { KUBECONFIG: `${join(dir, "absent")}:${present}` }, home })).toBe(present);
  });

  test("KUBECONFIG naming only missing files is an error, not a silent fallback", () => {
    expect(() => findKubeconfig(undefined, { env: { KUBECONFIG: join(dir, "absent") }, home })).toThrow(/none of the files in KUBECONFIG exist/);
  });

  const noSystem = join(dir, "no-k3rs.yaml");

  test("a readable k3rs.yaml comes before ~/.kube/config", () => {
    expect(findKubeconfig(undefined, { env: {}, home, systemPath: present })).toBe(present);
  });

  test("falls back to ~/.kube/config", () => {
    expect(findKubeconfig(undefined, { env: {}, home, systemPath: noSystem })).toBe(homeConfig);
  });

  test("nothing found is an error naming what was tried", () => {
    expect(() => findKubeconfig(undefined, { env: {}, home: join(dir, "nohome"), systemPath: noSystem })).toThrow(/no kubeconfig found \(tried .*no-k3rs\.yaml, .*nohome\/\.kube\/config\)/);
  });
});
