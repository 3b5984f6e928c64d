/**
 * Fuzz: random and mutated paths, query strings, headers and bodies sent as raw bytes over
 * the real TLS transport (in-process `k3rs server`, admin client certificate) to every served
 * route. The claim: no input gets a 5xx or ends the server. Bounded by a request count, with a
 * printed seed (K3RS_FUZZ_SEED=N replays a run, =random explores; K3RS_FUZZ_REQUESTS changes the count).
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startHttpsTestServer } from "../helpers/https-server.ts";
import { rawHttps, type TlsIdentity } from "../helpers/raw-https.ts";
import { loadKubeconfig } from "../../src/client/kubeconfig.ts";
import type { ServerHandle } from "../../src/server/run.ts";
import type { ResourceDef } from "../../src/api/resources/types.ts";

// A fixed seed by default, so a suite run is repeatable; K3RS_FUZZ_SEED=random explores.
const SEED_ENV = process.env.K3RS_FUZZ_SEED ?? "20261206";
const SEED = SEED_ENV === "random" ? Date.now() % 2 ** 31 : Number(SEED_ENV);
const REQUESTS = Number(process.env.K3RS_FUZZ_REQUESTS ?? 2500);

let dataDir: string;
let server: ServerHandle;
let admin: TlsIdentity;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "k3rs-fuzz-"));
  server = await startHttpsTestServer(dataDir, "fuzz-node");
  const kc = loadKubeconfig(server.kubeconfigPath);
  admin = { ca: kc.ca, cert: kc.cert, key: kc.key };
});

afterAll(async () => {
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

/** mulberry32: small, seedable, good enough to pick cases. */
function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  return { next, int, pick, chance: (p: number) => next() < p };
}
type Rng = ReturnType<typeof rng>;

const WEIRD_STRINGS = [
  "", " ", "a b", "[", "%zz", "%", "a:b:c", "..", ".", "%2e%2e", "%2E", "%00", "\u0000", "é", "😀", "a".repeat(300), "-1",
  "1e300", "NaN", "true", "null", "{}", "[]", "default", "kube-system", "x/y", "%2f", "?", "#", ";", "*", "\\", "'\"",
];
const WEIRD_NUMBERS = [0, -1, 1, 2 ** 31, 2 ** 31 - 1, -(2 ** 31) - 1, 2 ** 53, 1e300, -1e300, 0.5, 3000000000];

function randomValue(r: Rng, depth = 0): unknown {
  switch (r.int(depth > 3 ? 5 : 8)) {
    case 0: return r.pick(WEIRD_STRINGS);
    case 1: return r.pick(WEIRD_NUMBERS);
    case 2: return r.chance(0.5);
    case 3: return null;
    case 4: return `v${r.int(1000)}`;
    case 5: return Array.from({ length: r.int(4) }, () => randomValue(r, depth + 1));
    case 6: return Object.fromEntries(Array.from({ length: r.int(4) }, () => [r.pick(["name", "a", "", "spec", "metadata", "x.y", "$patch", "$retainKeys"]), randomValue(r, depth + 1)]));
    default: return "ok";
  }
}

function nested(depth: number): unknown {
  let v: unknown = "leaf";
  for (let i = 0; i < depth; i++) v = { a: v };
  return v;
}

/** A plausible object of the kind, to mutate. */
function seedObject(def: ResourceDef, r: Rng): Record<string, any> {
  const apiVersion = def.group ? `${def.group}/${def.version}` : def.version;
  const metadata: Record<string, any> = { name: `fz-${r.int(20)}`, labels: { app: "fz" } };
  const podSpec = { containers: [{ name: "c", image: "busybox", command: ["sh", "-c", "sleep 1"], resources: { requests: { cpu: "10m" } } }] };
  const template = { metadata: { labels: { app: "fz" } }, spec: podSpec };
  const specs: Record<string, unknown> = {
    Pod: podSpec,
    Deployment: { replicas: 1, selector: { matchLabels: { app: "fz" } }, template },
    ReplicaSet: { replicas: 1, selector: { matchLabels: { app: "fz" } }, template },
    StatefulSet: { replicas: 1, serviceName: "fz", selector: { matchLabels: { app: "fz" } }, template },
    DaemonSet: { selector: { matchLabels: { app: "fz" } }, template },
    Job: { template: { ...template, spec: { ...podSpec, restartPolicy: "Never" } } },
    CronJob: { schedule: "*/5 * * * *", jobTemplate: { spec: { template: { ...template, spec: { ...podSpec, restartPolicy: "Never" } } } } },
    Service: { selector: { app: "fz" }, ports: [{ port: 80 }] },
  };
  const obj: Record<string, any> = { apiVersion, kind: def.kind, metadata };
  if (specs[def.kind]) obj.spec = structuredClone(specs[def.kind]);
  if (def.kind === "ConfigMap") obj.data = { k: "v" };
  if (def.kind === "Secret") obj.data = { k: "dg==" };
  return obj;
}

function mutate(obj: unknown, r: Rng): unknown {
  if (r.chance(0.1)) return randomValue(r);
  const root = structuredClone(obj) as any;
  const rounds = 1 + r.int(3);
  for (let i = 0; i < rounds; i++) {
    // Walk to a random container inside the object, then change one thing there.
    let parent: any = root;
    for (let d = 0; d < 6; d++) {
      const keys = parent && typeof parent === "object" ? Object.keys(parent) : [];
      if (!keys.length || r.chance(0.3)) break;
      const k = r.pick(keys);
      if (!parent[k] || typeof parent[k] !== "object") break;
      parent = parent[k];
    }
    if (!parent || typeof parent !== "object") continue;
    const keys = Object.keys(parent);
    const choice = r.int(5);
    if (choice === 0 && keys.length) delete parent[r.pick(keys)];
    else if (choice === 1 && keys.length) parent[r.pick(keys)] = randomValue(r);
    else if (choice === 2) parent[r.pick(["extra", "spec", "status", "data", "items", "managedFields", "finalizers"])] = randomValue(r);
    else if (choice === 3) parent[keys.length ? r.pick(keys) : "deep"] = nested(r.pick([5, 50, 99, 101, 300]));
    else if (keys.length) parent[r.pick(keys)] = Array.from({ length: r.pick([10, 1000]) }, (_, j) => (r.chance(0.5) ? `f${j}` : { name: `n${j % 7}` }));
  }
  return root;
}

function randomPatch(r: Rng, def: ResourceDef): { type: string; body: unknown } {
  const type = r.pick(["application/json-patch+json", "application/merge-patch+json", "application/strategic-merge-patch+json", "application/apply-patch+yaml", "text/plain"]);
  if (type === "application/json-patch+json") {
    const ops = Array.from({ length: 1 + r.int(4) }, () => ({
      op: r.pick(["add", "remove", "replace", "move", "copy", "test", "bogus"]),
      path: r.pick(["/metadata/labels/x", "/spec", "/spec/replicas", "/metadata/finalizers/-", "/", "", "/a/b/c", "/metadata/name", "/status", "~", "/metadata/labels/~1"]),
      from: r.pick(["/metadata", "/spec", "", "/metadata/labels", "/x"]),
      value: randomValue(r),
    }));
    return { type, body: r.chance(0.1) ? randomValue(r) : ops };
  }
  return { type, body: mutate(seedObject(def, r), r) };
}

function encodeBody(body: unknown, r: Rng): string {
  const text = typeof body === "string" && r.chance(0.5) ? body : JSON.stringify(body) ?? "null";
  const k = r.int(20);
  if (k === 0) return text.slice(0, r.int(text.length + 1)); // truncated
  if (k === 1) return text.replace(/"name"/, '"name":"dup","name"'); // duplicate key
  if (k === 2) return "\u00ff\u0000" + text; // bytes that are no JSON
  return text;
}

interface Case {
  method: string;
  target: string;
  headers: Record<string, string>;
  body?: string;
}

function resourcePaths(def: ResourceDef, r: Rng): string[] {
  const base = def.group ? `/apis/${def.group}/${def.version}` : `/api/${def.version}`;
  const ns = def.namespaced ? `/namespaces/${r.chance(0.9) ? r.pick(["default", "fz-ns"]) : r.pick(["kube-system", "nope", "%zz"])}` : "";
  const name = r.chance(0.85) ? `fz-${r.int(20)}` : encodeURIComponent(r.pick(WEIRD_STRINGS)).replace(/%25/g, r.pick(["%", "%25"]));
  const coll = `${base}${ns}/${def.plural}`;
  const sub = def.subresources?.length ? r.pick([...def.subresources, "bogus"]) : "bogus";
  return [coll, `${coll}/${name}`, `${coll}/${name}/${sub}`, `${base}/watch${ns}/${def.plural}`];
}

const QUERY_KEYS = ["limit", "continue", "resourceVersion", "resourceVersionMatch", "timeoutSeconds", "watch", "allowWatchBookmarks", "labelSelector", "fieldSelector", "dryRun", "fieldValidation", "fieldManager", "gracePeriodSeconds", "propagationPolicy", "orphanDependents", "includeObject", "pretty", "force", "sendInitialEvents", "container", "tailLines", "follow", "sinceSeconds"];

function randomQuery(r: Rng): string {
  if (r.chance(0.7)) return "";
  const parts = Array.from({ length: 1 + r.int(3) }, () => {
    const key = r.pick(QUERY_KEYS);
    const value = r.pick([...WEIRD_STRINGS, "1", "0", "All", "Strict", "a=b", "a in (b)", "metadata.name=x", "spec.nodeName!=", "Exact", "NotOlderThan", "Foreground", "Table"]);
    return `${key}=${encodeURIComponent(value).replace(/%25/g, r.pick(["%", "%25"]))}`;
  });
  return "?" + parts.join("&");
}

const STATIC_PATHS = ["/", "/api", "/apis", "/api/v1", "/apis/apps", "/apis/apps/v1", "/version", "/healthz", "/readyz", "/livez", "/metrics", "/openapi/v2", "/openapi/v3", "/openapi/v3/api/v1", "/openapi/v3/apis/apps/v1", "/cacerts", "/v1-k3rs/join", "/v1-k3rs/images", "/apis/metrics.k8s.io/v1beta1/nodes", "/api/v1/nodes/fuzz-node/proxy/x"];

function randomCase(r: Rng, defs: ResourceDef[]): Case {
  const def = r.pick(defs);
  const [collection, named, sub, watch] = resourcePaths(def, r);
  // Mostly a verb that fits the path, so requests get past routing into decoding, admission and storage.
  const fitting: [string, string][] = [
    [collection!, "POST"], [collection!, "GET"], [named!, "GET"], [named!, "PUT"], [named!, "PATCH"], [named!, "DELETE"], [sub!, "PUT"], [sub!, "PATCH"], [sub!, "GET"], [watch!, "GET"], [collection!, "DELETE"],
  ];
  let [target, method] = r.chance(0.85) ? r.pick(fitting) : [r.chance(0.3) ? r.pick(STATIC_PATHS) : r.pick([collection!, named!, sub!, watch!]), r.pick(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "BREW"])];
  if (r.chance(0.08)) target = target!.replace(/\/([^/]+)$/, `/${r.pick(["..", "%2e%2e", ".", "%2E", "./x", "%zz", "a%00b"])}`);
  target += randomQuery(r);
  const headers: Record<string, string> = { host: r.chance(0.1) ? r.pick(["a b", "[", "%zz", "a:b:c", "", "evil.example/x?", "localhost:6443"]) : "localhost" };
  if (r.chance(0.3)) headers.accept = r.pick(["application/json;as=Table;v=v1;g=meta.k8s.io", "application/json;as=Table;v=v1;g=meta.k8s.io,application/json", "application/vnd.kubernetes.protobuf", "text/html", "*/*", "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList", ";;;", "application/yaml"]);
  if (r.chance(0.05)) headers.upgrade = r.pick(["websocket", "SPDY/3.1", "h2c"]);
  if (headers.upgrade) headers.connection = "Upgrade";
  let body: string | undefined;
  if (method === "POST" || method === "PUT") {
    headers["content-type"] = r.chance(0.85) ? "application/json" : r.pick(["application/yaml", "application/vnd.kubernetes.protobuf", "text/plain", "application/json; charset=utf-8", ""]);
    body = encodeBody(r.chance(0.4) ? seedObject(def, r) : mutate(seedObject(def, r), r), r);
  } else if (method === "PATCH") {
    const p = randomPatch(r, def);
    headers["content-type"] = p.type;
    body = encodeBody(p.body, r);
  } else if (method === "DELETE" && r.chance(0.5)) {
    headers["content-type"] = "application/json";
    body = encodeBody(mutate({ kind: "DeleteOptions", apiVersion: "v1", dryRun: ["All"], gracePeriodSeconds: 0, propagationPolicy: "Background" }, r), r);
  }
  return { method, target, headers, body };
}

function wire(c: Case): Buffer {
  const body = c.body === undefined ? undefined : Buffer.from(c.body, "utf8");
  const lines = [`${c.method} ${c.target} HTTP/1.1`];
  for (const [k, v] of Object.entries(c.headers)) lines.push(`${k}: ${v}`);
  if (body) lines.push(`content-length: ${body.length}`);
  lines.push("connection: close", "", "");
  return body ? Buffer.concat([Buffer.from(lines.join("\r\n"), "latin1"), body]) : Buffer.from(lines.join("\r\n"), "latin1");
}

test(`fuzz: ${REQUESTS} hostile requests over TLS get no 5xx and leave the server serving (seed ${SEED})`, async () => {
  const r = rng(SEED);
  const defs = server.registry.all;
  // Some objects exist, so gets, updates and deletes reach real code.
  for (const ns of ["fz-ns"]) {
    const res = await rawHttps(server.port, wire({ method: "POST", target: "/api/v1/namespaces", headers: { host: "localhost", "content-type": "application/json" }, body: JSON.stringify({ apiVersion: "v1", kind: "Namespace", metadata: { name: ns } }) }), admin);
    expect(res.status).toBe(201);
  }
  const failures: string[] = [];
  const byStatus = new Map<number, number>();
  const concurrency = 8;
  let sent = 0;
  const worker = async () => {
    while (sent < REQUESTS) {
      sent++;
      const c = randomCase(r, defs);
      const res = await rawHttps(server.port, wire(c), r.chance(0.05) ? {} : admin, { timeoutMs: 15_000 });
      byStatus.set(res.status, (byStatus.get(res.status) ?? 0) + 1);
      if (res.status >= 500 || res.status === 0) {
        failures.push(`${res.status || res.failure} ← ${c.method} ${c.target} ${JSON.stringify(c.headers)} ${c.body?.slice(0, 300) ?? ""}\n   ${res.text.slice(0, 300).replace(/\r\n/g, " | ")}`);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  // What the run reached: a fuzzer that only ever hears 400 tests little.
  console.log(`fuzz seed ${SEED}: answers by status ${JSON.stringify(Object.fromEntries([...byStatus].sort((a, b) => a[0] - b[0])))}`);
  if (failures.length) console.error(`fuzz seed ${SEED}: ${failures.length} failures\n${failures.slice(0, 25).join("\n")}`);
  // Still serving: a normal create and read after all that.
  const ok = await rawHttps(server.port, wire({ method: "POST", target: "/api/v1/namespaces/default/configmaps", headers: { host: "localhost", "content-type": "application/json" }, body: JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "after-fuzz" }, data: { a: "b" } }) }), admin);
  expect(ok.status).toBe(201);
  const ready = await rawHttps(server.port, wire({ method: "GET", target: "/readyz", headers: { host: "localhost" } }), admin, { whole: true });
  expect(ready.status).toBe(200);
  expect(failures).toEqual([]);
}, 600_000);
