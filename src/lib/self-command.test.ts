import { expect, test } from "bun:test";
import { selfCommand } from "./self-command.ts";

test("the executable when compiled, bun and the entry from source, nothing from another entry", () => {
  expect(selfCommand("/$bunfs/root/k3rs", "/usr/local/bin/k3rs")).toEqual(["/usr/local/bin/k3rs"]);
  expect(selfCommand("/work/k3rs/src/main.ts", "/usr/bin/bun")).toEqual(["/usr/bin/bun", "/work/k3rs/src/main.ts"]);
  expect(selfCommand("/work/k3rs/test/integration/x.test.ts", "/usr/bin/bun")).toBeUndefined();
});
