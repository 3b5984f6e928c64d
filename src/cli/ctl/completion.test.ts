import { expect, test } from "bun:test";
import { Command } from "commander";
import { completionScript } from "./completion.ts";

test("the script names every verb and the subcommands of verbs that have them; bash parses it", () => {
  const ctl = new Command("ctl");
  ctl.command("get");
  const r = ctl.command("rollout");
  r.command("status");
  r.command("undo");
  const script = completionScript("bash", ctl);
  expect(script).toContain('compgen -W "get rollout"');
  expect(script).toContain('rollout) words="status undo"');
  expect(Bun.spawnSync(["bash", "-n"], { stdin: new TextEncoder().encode(script) }).exitCode).toBe(0);
  expect(completionScript("zsh", ctl)).toContain("bashcompinit");
  expect(() => completionScript("fish", ctl)).toThrow('Unsupported shell type "fish".');
});
