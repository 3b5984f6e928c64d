/**
 * Child process for crash.test.ts: creates keys from concurrent writers until killed, and
 * prints `<key> <revision>` for each write only after its promise resolved (= acknowledged).
 * Usage: bun crash-writer.ts <db path> <writers>
 */
import { writeSync } from "node:fs";
import { openSqliteStore } from "../sqlite.ts";

const [path, writersArg] = process.argv.slice(2);
if (!path) throw new Error("usage: crash-writer.ts <db path> [writers]");
const store = openSqliteStore({ path });
const writers = Number(writersArg ?? 32);
let next = 0;

async function writer(): Promise<never> {
  for (;;) {
    const key = `/crash/${next++}`;
    const { revision } = await store.create(key, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: String(next) }, data: { pad: "x".repeat(512) } });
    // Bun.write to fd 1 is buffered by the runtime; writeSync makes "printed" mean "left the process".
    writeLine(`${key} ${revision}\n`);
  }
}

function writeLine(line: string): void {
  writeSync(1, line);
}

console.error("ready");
for (let i = 0; i < writers; i++) void writer();
