/**
 * The house's rules, read from the code: src/ has no import loop, no arrow from a lower layer
 * to a higher one, and the agent (a kubelet) carries no server code — neither by import nor
 * in what `bun build` bundles for `k3rs agent`. ARCHITECTURE.md explains the layers.
 */
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { importGraph, roomOf, runtimeCycles } from "./import-graph.ts";

const SRC = join(import.meta.dir, "../../src");

/** Bottom to top; a room may import its own layer and those below. */
const LAYERS: string[][] = [
  ["lib", "log", "version", "model", "pki"],
  ["store", "client", "http", "streaming", "tunnel", "resource-metrics", "quota", "volume-binding", "net"],
  ["api", "controllers", "scheduler", "agent"],
  ["server", "config"],
  ["cli"],
  ["main"],
];

/** Rooms of one layer that must not know each other: a node's agent is no part of the control plane. */
const APART: [string, string][] = [
  ["agent", "api"], ["agent", "controllers"], ["agent", "scheduler"],
  ["api", "agent"], ["controllers", "agent"], ["scheduler", "agent"],
  // The scheduler builds on the controllers' informers and context; they never need it.
  ["controllers", "scheduler"],
];

/**
 * What the shared client machinery (informer, work queue, REST client) may lean on: the
 * bottom layer, and the store by its types only — the agent carries it and no store.
 */
const CLIENT_MAY_IMPORT = new Set(["client", "lib", "log", "version", "model"]);

const rank = new Map(LAYERS.flatMap((rooms, i) => rooms.map((r) => [r, i] as const)));
const edges = importGraph(SRC);

test("every room of src/ has a layer", () => {
  const rooms = new Set(edges.flatMap((e) => [roomOf(e.from), roomOf(e.to)]));
  expect([...rooms].filter((r) => !rank.has(r))).toEqual([]);
});

test("no import loop among the modules that run", () => {
  expect(runtimeCycles(edges)).toEqual([]);
});

test("no arrow runs from a lower layer up to a higher one, and the agent and the control plane stay apart", () => {
  const wrong = edges
    .filter((e) => {
      const a = roomOf(e.from);
      const b = roomOf(e.to);
      if (a === b) return false;
      return rank.get(b)! > rank.get(a)! || APART.some(([x, y]) => x === a && y === b);
    })
    .map((e) => `${e.from} -> ${e.to}${e.typeOnly ? " (types)" : ""}`);
  expect(wrong).toEqual([]);
});

test("client/ runs on the bottom layer only: the store by its types, nothing of the server", () => {
  const wrong = edges
    .filter((e) => roomOf(e.from) === "client")
    .filter((e) => {
      const to = roomOf(e.to);
      return !CLIENT_MAY_IMPORT.has(to) && !(to === "store" && e.typeOnly);
    })
    .map((e) => `${e.from} -> ${e.to}${e.typeOnly ? " (types)" : ""}`);
  expect(wrong).toEqual([]);
});

test("what `k3rs agent` bundles holds no module of the API server, controllers, scheduler or server", async () => {
  const built = await Bun.build({ entrypoints: [join(SRC, "cli/agent-command.ts")], target: "bun", metafile: true } as Parameters<typeof Bun.build>[0]);
  expect(built.success).toBe(true);
  const inputs = Object.keys((built as unknown as { metafile: { inputs: Record<string, unknown> } }).metafile.inputs);
  expect(inputs.some((i) => /src\/agent\/run\.ts$/.test(i))).toBe(true); // the agent itself is there
  expect(inputs.filter((i) => /src\/(api|controllers|scheduler|server)\//.test(i))).toEqual([]);
  // Nor the CA machinery: an agent only compares a fingerprint.
  expect(inputs.filter((i) => i.includes("@peculiar/x509"))).toEqual([]);
});

/** Files `from` evaluates when it is evaluated: its static runtime imports, transitively. */
function staticClosure(...from: string[]): Set<string> {
  const next = new Map<string, string[]>();
  for (const e of edges) if (!e.typeOnly && !e.dynamic) next.set(e.from, [...(next.get(e.from) ?? []), e.to]);
  const seen = new Set<string>();
  const walk = (f: string) => {
    if (seen.has(f)) return;
    seen.add(f);
    for (const t of next.get(f) ?? []) walk(t);
  };
  for (const f of from) walk(f);
  return seen;
}

test("the entry evaluates no command before argv names it: main.ts reaches every cli/ module by dynamic import only", () => {
  const seen = staticClosure("main.ts");
  // cli/commands.ts holds the loaders themselves; every command (kubectl's verbs, the roles) is behind them.
  expect([...seen].filter((f) => roomOf(f) === "cli" && f !== "cli/commands.ts")).toEqual([]);
  expect(edges.filter((e) => e.from === "cli/commands.ts" && e.dynamic).map((e) => e.to).sort()).toEqual([
    "cli/agent-command.ts", "cli/certificate-command.ts", "cli/ctl/index.ts", "cli/secrets-encrypt-command.ts", "cli/server-command.ts", "cli/snapshot-command.ts",
  ]);
});

test("`k3rs agent` evaluates no YAML parser at start (~1 MiB of its RSS): a config file's reader loads it when there is one", () => {
  // The agent command and what its action imports to run the agent.
  const started = ["cli/agent-command.ts", ...edges.filter((e) => e.from === "cli/agent-command.ts" && e.dynamic).map((e) => e.to)];
  expect(started).toContain("agent/run.ts");
  const yaml = [...staticClosure(...started)].filter((f) => /^\s*import\s[^;]*from\s+["']yaml["']/m.test(readFileSync(join(SRC, f), "utf8")));
  expect(yaml).toEqual([]);
});
