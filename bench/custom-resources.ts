/**
 * Custom resources beside built-in ConfigMaps, and server-side apply beside a plain update, in
 * one run against one in-process k3rs server over HTTPS with the admin client certificate:
 *
 *   bun bench/custom-resources.ts
 *
 * Create throughput (8 lanes), a full list and a watch of every object, for ConfigMaps and for
 * a custom resource of the same payload (whose writes also pass its structural schema); then
 * p50/p99 of a server-side apply against a PUT of the same change to one object. Prints figures
 * and ratios, no thresholds; everything is on 127.0.0.1 and every loop is bounded.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import YAML from "yaml";
import { startHttpsTestServer } from "../test/helpers/https-server.ts";
import { fmt, runFor, summary } from "./lib/stats.ts";

const SECONDS = Number(process.env.BENCH_WRITE_SECONDS ?? 3);
const UPDATES = Number(process.env.BENCH_UPDATES ?? 300);
const payload = "x".repeat(900);
const line = (label: string, value: string) => console.log(`${label.padEnd(46)} ${value}`);

const dir = mkdtempSync(join(tmpdir(), "extend-bench-"));
const server = await startHttpsTestServer(dir, "extend-bench-node");
const kc = YAML.parse(readFileSync(server.kubeconfigPath, "utf8"));
const b64 = (s: string) => Buffer.from(s, "base64").toString("utf8");
const tls = { ca: b64(kc.clusters[0].cluster["certificate-authority-data"]), cert: b64(kc.users[0].user["client-certificate-data"]), key: b64(kc.users[0].user["client-key-data"]) };
const base = `https://127.0.0.1:${server.port}`;
const req = async (method: string, path: string, body?: unknown, type = "application/json") => {
  const r = await fetch(base + path, { method, headers: { "content-type": type }, body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body), tls } as any);
  const text = await r.text();
  if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${text.slice(0, 300)}`);
  return text;
};

await req("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", {
  apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", metadata: { name: "notes.bench.example.com" },
  spec: {
    group: "bench.example.com", scope: "Namespaced", names: { plural: "notes", kind: "Note" },
    versions: [{ name: "v1", served: true, storage: true, schema: { openAPIV3Schema: { type: "object", properties: { data: { type: "object", properties: { payload: { type: "string", maxLength: 4096 } } } } } } }],
  },
});
for (let i = 0; i < 200; i++) {
  const crd = JSON.parse(await req("GET", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/notes.bench.example.com"));
  if (crd.status?.conditions?.some((c: any) => c.type === "Established" && c.status === "True")) break;
  await Bun.sleep(25);
}

const kinds = {
  configmaps: { path: "/api/v1/namespaces/default/configmaps", obj: (name: string) => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name }, data: { payload } }) },
  notes: { path: "/apis/bench.example.com/v1/namespaces/default/notes", obj: (name: string) => ({ apiVersion: "bench.example.com/v1", kind: "Note", metadata: { name }, data: { payload } }) },
};
const figures: Record<string, Record<string, number>> = {};
for (const [name, k] of Object.entries(kinds)) {
  const { ops, seconds } = await runFor(8, SECONDS * 1000, (lane, i) => req("POST", k.path, k.obj(`o-${lane}-${i}`)).then(() => {}));
  const t0 = performance.now();
  const list = JSON.parse(await req("GET", k.path));
  const listMs = performance.now() - t0;
  // A watch from revision 0 of the list replays every object: time to read them all.
  const w0 = performance.now();
  const res = await fetch(`${base}${k.path}?watch=1&resourceVersion=0&timeoutSeconds=30`, { tls } as any);
  const reader = res.body!.getReader();
  let seen = 0;
  let rest = "";
  while (seen < list.items.length) {
    const { value, done } = await reader.read();
    if (done) break;
    rest += new TextDecoder().decode(value);
    const lines = rest.split("\n");
    rest = lines.pop()!;
    seen += lines.length;
  }
  await reader.cancel();
  figures[name] = { createsPerSecond: ops / seconds, objects: list.items.length, listMs, watchReplayMs: performance.now() - w0 };
}
for (const [name, f] of Object.entries(figures)) {
  line(`${name}: creates/s (8 lanes, ${SECONDS}s)`, fmt(f.createsPerSecond!, 0));
  line(`${name}: list of ${f.objects} objects, ms`, fmt(f.listMs!));
  line(`${name}: watch replay of them, ms`, fmt(f.watchReplayMs!));
}
line("custom/built-in create throughput ratio", fmt(figures.notes!.createsPerSecond! / figures.configmaps!.createsPerSecond!, 2));
line("custom/built-in list time ratio", fmt(figures.notes!.listMs! / figures.configmaps!.listMs!, 2));

// Server-side apply against PUT, the same change to one ConfigMap each time.
const cm = "/api/v1/namespaces/default/configmaps";
await req("POST", cm, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "put-target" }, data: { v: "0" } });
const put: number[] = [];
for (let i = 0; i < UPDATES; i++) {
  const t = performance.now();
  await req("PUT", `${cm}/put-target`, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "put-target" }, data: { v: String(i), payload } });
  put.push(performance.now() - t);
}
const ssa: number[] = [];
for (let i = 0; i < UPDATES; i++) {
  const t = performance.now();
  await req("PATCH", `${cm}/ssa-target?fieldManager=bench`, `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa-target\ndata:\n  v: "${i}"\n  payload: ${payload}\n`, "application/apply-patch+yaml");
  ssa.push(performance.now() - t);
}
const p = summary(put);
const s = summary(ssa);
line(`PUT of one ConfigMap p50 / p99 ms (n=${p.n})`, `${fmt(p.p50, 2)} / ${fmt(p.p99, 2)}`);
line(`server-side apply of it p50 / p99 ms (n=${s.n})`, `${fmt(s.p50, 2)} / ${fmt(s.p99, 2)}`);
line("apply/PUT p50 ratio", fmt(s.p50 / p.p50, 2));

await server.stop();
rmSync(dir, { recursive: true, force: true });
process.exit(0);
