import { describe, expect, test } from "bun:test";
import { resolve } from "node:path";

// In a child process: the handlers are process-wide and would hide the test runner's own.
async function runScript(body: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const mod = resolve(import.meta.dir, "last-resort.ts");
  const p = Bun.spawn([process.execPath, "-e", `const { installLastResortHandlers } = await import(${JSON.stringify(mod)});\n${body}`], { stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text()]);
  return { code: await p.exited, stdout, stderr };
}

describe("last-resort handlers", () => {
  test("an unhandled rejection and an uncaught exception are logged and the process goes on", async () => {
    const r = await runScript(`
      installLastResortHandlers();
      void Promise.reject(new Error("nobody awaited me"));
      setTimeout(() => { throw new Error("a callback threw"); }, 1);
      setTimeout(() => console.log("still serving"), 50);
    `);
    expect(r.stdout).toContain("still serving");
    expect(r.code).toBe(0);
    const lines = r.stderr.trim().split("\n").map((l) => JSON.parse(l));
    expect(lines.map((l) => l.msg).sort()).toEqual(["uncaught exception; the server keeps serving", "unhandled promise rejection; the server keeps serving"]);
    expect(r.stderr).toContain("nobody awaited me");
    expect(r.stderr).toContain("a callback threw");
  });

  test("without them the same rejection ends the process (what the server did before)", async () => {
    const r = await runScript(`
      void Promise.reject(new Error("nobody awaited me"));
      setTimeout(() => console.log("still serving"), 50);
    `);
    expect(r.code).not.toBe(0);
    expect(r.stdout).not.toContain("still serving");
  });
});
