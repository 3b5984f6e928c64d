import { expect, test } from "bun:test";
import { Command } from "commander";
import { SERVER_FLAG_LIST } from "../config/flags.ts";
import { addFlags, givenFlags } from "./flags.ts";

test("every declared flag is an option, and only those given on the command line come back, by config key", async () => {
  let got: Record<string, unknown> = {};
  const program = new Command("k3rs").exitOverride();
  const cmd = program.command("server");
  addFlags(cmd, SERVER_FLAG_LIST).action((opts: Record<string, unknown>, c: Command) => {
    got = givenFlags(c, opts, SERVER_FLAG_LIST);
  });
  for (const f of SERVER_FLAG_LIST) expect(cmd.helpInformation()).toContain(`--${f.name}`);
  await program.parseAsync(["server", "--https-listen-port", "7443", "-d", "/x", "--disable-agent", "--node-label", "a=b", "c=d"], { from: "user" });
  expect(got).toEqual({ httpsListenPort: "7443", dataDir: "/x", disableAgent: true, nodeLabel: ["a=b", "c=d"] });
});
