/**
 * Where the agent's memory goes, module by module, measured as it runs: each case is compiled
 * into its own executable (`bun build --compile`, as bin/k3rs is), run, and its RSS read after
 * a full GC — split into anonymous memory (JS heap, JIT code, malloc) and pages of the
 * executable itself (the Bun runtime, embedded code). Differences between rows are what a
 * module costs. No cluster and no root needed.
 *
 *   bun bench/agent-modules-rss.ts
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const REPORT = `
const t = require("node:fs").readFileSync("/proc/self/smaps_rollup", "utf8");
const kib = (k) => Number(new RegExp("^" + k + ":\\\\s+(\\\\d+)", "m").exec(t)?.[1] ?? 0);
console.log(JSON.stringify({ rss: kib("Rss") / 1024, anon: kib("Anonymous") / 1024 }));`;

/** label → module text (imports and a little work); each runs after a settle and a full GC. */
const CASES: [string, string][] = [
  ["empty program (the Bun runtime)", ``],
  ["hono", `import { Hono } from "hono"; new Hono();`],
  ["commander", `import { Command } from "commander"; void Command;`],
  ["yaml", `import YAML from "yaml"; void YAML;`],
  ["RestClient + one HTTPS request (fetch, TLS)", `import { RestClient } from "../src/client/rest-client.ts"; await new RestClient({ server: "https://127.0.0.1:1", path: "(probe)" }).request("/api").catch(() => {});`],
  ["node:http2 client session", `import http2 from "node:http2"; import net from "node:net"; const s = http2.connect("http://x", { createConnection: () => net.connect("/nonexistent.sock") }); s.on("error", () => {}); await Bun.sleep(50); s.destroy();`],
  ["@grpc/grpc-js", `import * as grpc from "@grpc/grpc-js"; void grpc;`],
  ["grpc-js + proto-loader + protobufjs (no longer in the agent)", `import * as grpc from "@grpc/grpc-js"; import * as l from "@grpc/proto-loader"; import p from "protobufjs"; void grpc, l, p;`],
  ["the agent's own CRI schema tables, parsed", `import { criSchema } from "../src/agent/cri/proto.ts"; criSchema();`],
  ["agent/run.ts and all it imports", `import { runAgent } from "../src/agent/run.ts"; void runAgent;`],
  ["… + a CRI client and one call", `import { runAgent } from "../src/agent/run.ts"; import { CriClient } from "../src/agent/cri/cri-client.ts"; void runAgent; const c = new CriClient("unix:///nonexistent.sock"); await c.call("RuntimeService", "Version", { version: "v1" }, { timeoutMs: 100 }).catch(() => {}); c.close();`],
];

const dir = mkdtempSync(join(import.meta.dir, ".rss-probe-"));
try {
  console.log(`${"case".padEnd(48)} ${"RSS".padStart(7)} ${"anon".padStart(7)} ${"file".padStart(7)}  MiB`);
  for (const [i, [label, body]] of CASES.entries()) {
    const entry = join(dir, `case${i}.ts`);
    writeFileSync(entry, `${body.replaceAll("../src/", "../../src/")}\nawait Bun.sleep(200); Bun.gc(true); await Bun.sleep(100); Bun.gc(true);\n${REPORT}\n`);
    const out = join(dir, `case${i}`);
    const built = await Bun.build({ entrypoints: [entry], compile: { outfile: out }, minify: true, target: "bun" } as Parameters<typeof Bun.build>[0]);
    if (!built.success) throw new Error(`building ${label}: ${built.logs.join("\n")}`);
    const run = Bun.spawnSync([out], { stderr: "ignore" });
    const { rss, anon } = JSON.parse(run.stdout.toString().trim().split("\n").at(-1)!);
    console.log(`${label.padEnd(48)} ${rss.toFixed(1).padStart(7)} ${anon.toFixed(1).padStart(7)} ${(rss - anon).toFixed(1).padStart(7)}`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
