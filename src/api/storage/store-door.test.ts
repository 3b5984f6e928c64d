/**
 * ObjectStorage is the API layer's one door to the store: keys, revisions and the store's
 * errors are translated there, so no other module of src/api may reach the store or its keys.
 */
import { expect, test } from "bun:test";
import { dirname, join, relative } from "node:path";

const SRC = join(import.meta.dir, "../..");
const API = join(SRC, "api");
const DOORS = new Set(["api/storage/object-storage.ts", "api/storage/keys.ts"]);

test("no module of src/api but ObjectStorage imports the store or its keys, or reads ObjectStorage's raw store", async () => {
  const offenders: string[] = [];
  for await (const file of new Bun.Glob("**/*.ts").scan(API)) {
    const path = `api/${file}`;
    if (file.endsWith(".test.ts") || DOORS.has(path)) continue;
    const text = await Bun.file(join(API, file)).text();
    for (const [, spec] of text.matchAll(/from "(\.[^"]+)"/g)) {
      const target = relative(SRC, join(dirname(join(API, file)), spec!));
      if (target.startsWith("store/") || target === "api/storage/keys.ts") offenders.push(`${path} imports ${target}`);
    }
    if (/\bstorage\.store\b/.test(text)) offenders.push(`${path} reads storage.store`);
  }
  expect(offenders).toEqual([]);
});
