/**
 * `k3rs ctl` (the BUILT executable) beside the real kubectl 1.32, on a server whose embedded
 * agent runs the fake runtime (hollow pods): for each request both tools are run and their
 * stdout, stderr and exit codes compared, ages masked.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { K3RS_BIN, KUBECTL, startE2EServer, type E2EServer } from "../helpers/e2e-server.ts";

const FIXTURES = resolve(import.meta.dir, "../fixtures/manifests");
let s: E2EServer;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(argv: string[], stdin?: string, extraEnv: Record<string, string> = {}): Promise<Run> {
  const p = Bun.spawn(argv, {
    stdin: stdin !== undefined ? new TextEncoder().encode(stdin) : "ignore", stdout: "pipe", stderr: "pipe",
    env: { ...process.env, HOME: s.dataDir, KUBECACHEDIR: join(s.dataDir, "kubecache"), ...extraEnv },
  });
  const timer = setTimeout(() => p.kill(9), 60_000);
  const [stdout, stderr] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text()]);
  const code = await p.exited;
  clearTimeout(timer);
  return { code, stdout, stderr };
}

const ctl = (args: string[], stdin?: string, env?: Record<string, string>) => run([K3RS_BIN, "ctl", "--kubeconfig", s.kubeconfig, ...args], stdin, env);
const kubectl = (args: string[], stdin?: string, env?: Record<string, string>) => run([KUBECTL, "--kubeconfig", s.kubeconfig, ...args], stdin, env);
// AGE may tick over between the two calls; uids and resourceVersions differ between two created objects.
const mask = (t: string) => t.replace(/\b\d+[smhd](\d+[smh])?\b/g, "<age>").replace(/\b\d+[smhd]\d*[smh]?\b/g, "<age>");

/** Both tools for the same request: the same output and exit code. */
async function same(args: string[], o: { stdin?: string; masker?: (t: string) => string } = {}): Promise<Run> {
  const m = o.masker ?? mask;
  const mine = await ctl(args, o.stdin);
  const theirs = await kubectl(args, o.stdin);
  expect({ args, code: mine.code, stdout: m(mine.stdout), stderr: m(mine.stderr) }).toEqual({ args, code: theirs.code, stdout: m(theirs.stdout), stderr: m(theirs.stderr) });
  return mine;
}

async function k(...args: string[]): Promise<string> {
  const r = await kubectl(args);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

async function until(what: string, fn: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(200);
  }
}

describe.skipIf(!existsSync(KUBECTL))("k3rs ctl beside kubectl (fake runtime)", () => {
  beforeAll(async () => {
    s = await startE2EServer({ agent: "fake", nodeName: "ctl-node" });
    await k("apply", "-f", join(FIXTURES, "web.yaml"));
    await k("create", "configmap", "base", "-n", "shop");
    await until("web rolled out", async () => (await kubectl(["rollout", "status", "deploy/web", "-n", "shop", "--timeout=1s"])).code === 0);
  }, 90_000);
  afterAll(async () => {
    await s?.stop();
  });

  test("k3rs kubectl is the same command", async () => {
    const r = await run([K3RS_BIN, "kubectl", "--kubeconfig", s.kubeconfig, "get", "ns", "shop", "-o", "name"]);
    expect(r).toEqual({ code: 0, stdout: "namespace/shop\n", stderr: "" });
  });

  test("get -o json|yaml|name|jsonpath|custom-columns|wide", async () => {
    const dropVolatile = (t: string) => mask(t);
    for (const args of [
      ["get", "deploy", "web", "-n", "shop", "-o", "json"],
      ["get", "svc", "-n", "shop", "-o", "yaml"],
      ["get", "cm", "-n", "shop", "-o", "json"],
      ["get", "pods", "-n", "shop", "-o", "name"],
      ["get", "pods", "-n", "shop", "-o", "wide"],
      ["get", "pods", "-n", "shop", "-o", "jsonpath={.items[*].spec.containers[*].image}"],
      ["get", "pods", "-n", "shop", "-o", 'jsonpath={range .items[*]}{.metadata.labels.app}{"\\t"}{.status.phase}{"\\n"}{end}'],
      ["get", "deploy", "web", "-n", "shop", "-o", "jsonpath={.spec.template.spec.containers[0]}"],
      ["get", "nodes", "-o", 'jsonpath={.items[0].status.conditions[?(@.type=="Ready")].status}'],
      ["get", "pods", "-n", "shop", "-o", "custom-columns=NAME:.metadata.name,IMAGES:.spec.containers[*].image,NODE:.spec.nodeName,X:.nope"],
      ["get", "pods", "-n", "shop", "-o", "custom-columns=NAME:.metadata.name", "--no-headers"],
      ["get", "pods", "-n", "shop", "-o", "bogus"],
      ["get", "pods", "-n", "empty-ns", "-o", "name"],
      ["get", "pods", "-n", "empty-ns", "-o", "json"],
    ]) await same(args, { masker: dropVolatile });
  });

  test("get -w prints the table, then each change; --output-watch-events adds the type", async () => {
    for (const extra of [[], ["--output-watch-events"]]) {
      const name = `w${extra.length}`;
      const outputs: string[] = [];
      for (const bin of [[K3RS_BIN, "ctl"], [KUBECTL]]) {
        const p = Bun.spawn([...bin, "--kubeconfig", s.kubeconfig, "get", "cm", "-n", "shop", "-w", ...extra], { stdout: "pipe", stderr: "pipe", env: { ...process.env, HOME: s.dataDir, KUBECACHEDIR: join(s.dataDir, "kubecache") } });
        const reader = (p.stdout as ReadableStream<Uint8Array>).getReader();
        let text = "";
        const readUntil = async (re: RegExp) => {
          while (!re.test(text)) {
            const r = await reader.read();
            if (r.done) throw new Error(`get -w ended: ${text}`);
            text += new TextDecoder().decode(r.value);
          }
        };
        await readUntil(/base.*\n/);
        await k("create", "configmap", name, "-n", "shop", "--from-literal=a=b");
        await readUntil(new RegExp(`${name}.*\\n`));
        await k("delete", "configmap", name, "-n", "shop");
        await readUntil(new RegExp(`${name}[^\\n]*\\n[^\\n]*${name}.*\\n`));
        p.kill(9);
        await p.exited;
        outputs.push(mask(text));
      }
      expect(outputs[0]).toBe(outputs[1]!);
    }
  });
});
