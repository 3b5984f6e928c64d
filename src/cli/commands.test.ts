import { expect, test } from "bun:test";
import { Command } from "commander";
import { COMMAND_NAMES, commandsToLoad } from "./commands.ts";

async function registered(first: string | undefined): Promise<string[]> {
  const program = new Command("k3rs");
  for (const load of commandsToLoad(first)) (await load())(program);
  return program.commands.flatMap((c) => [c.name(), ...c.aliases()]);
}

test("a named command loads that command alone", async () => {
  expect(await registered("agent")).toEqual(["agent"]);
  expect(await registered("server")).toEqual(["server"]);
  expect(await registered("kubectl")).toEqual(["ctl", "kubectl"]);
});

test("no command named (help, version, a typo): every command, in help's order", async () => {
  const all = ["server", "agent", "ctl", "kubectl", "snapshot", "secrets-encrypt", "certificate"];
  expect(await registered(undefined)).toEqual(all);
  expect(await registered("--help")).toEqual(all);
  expect(await registered("agnet")).toEqual(all);
});

test("every name a loader answers to is the name of what it registers", async () => {
  for (const name of COMMAND_NAMES) expect(await registered(name)).toContain(name);
});
