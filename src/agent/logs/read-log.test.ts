import { afterAll, describe, expect, test } from "bun:test";
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readCriLog, type FollowDeps, type ReadLogOptions } from "./read-log.ts";

const dir = mkdtempSync(join(tmpdir(), "k3rs-readlog-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A sample file as containerd writes it: stdout and stderr interleaved, a long line in pieces, a broken record. */
const SAMPLE = [
  "2024-05-01T10:00:00.1Z stdout F one\n",
  "2024-05-01T10:00:01.000000002Z stderr F two\n",
  "not a cri record\n",
  "2024-05-01T10:00:02Z stdout P lo\n",
  "2024-05-01T10:00:02.5Z stdout P ng \n",
  "2024-05-01T10:00:03Z stdout F line\n",
  "2024-05-01T10:00:04Z stdout F four\n",
].join("");

function file(text: string): string {
  const path = join(dir, `${Math.random()}.log`);
  writeFileSync(path, text);
  return path;
}

const stopped = (): FollowDeps => ({ isRunning: async () => false, signal: new AbortController().signal, pollMs: 10 });

async function read(path: string, o: ReadLogOptions = {}, deps = stopped()): Promise<string> {
  let s = "";
  for await (const c of readCriLog(path, o, deps)) s += c.toString();
  return s;
}

const sec = (iso: string) => BigInt(Date.parse(iso)) * 1_000_000n;

describe("reading a CRI log", () => {
  test("without follow, lines written while the answer is read are not in it (--tail=3 printed four)", async () => {
    const line = (i: number) => `2024-05-01T10:00:00Z stdout F ${String(i).padStart(6, "0")} ${"x".repeat(100)}\n`;
    const path = file(Array.from({ length: 2000 }, (_, i) => line(i)).join("")); // several read chunks
    let got = "";
    let appended = false;
    for await (const c of readCriLog(path, {}, stopped())) {
      got += c.toString();
      if (!appended) {
        appendFileSync(path, line(9999));
        appended = true;
      }
    }
    const lines = got.split("\n").filter(Boolean);
    expect(lines).toHaveLength(2000);
    expect(lines.at(-1)).toStartWith("001999 ");
  });

  test("prefixes stripped, pieces joined, broken records skipped", async () => {
    expect(await read(file(SAMPLE))).toBe("one\ntwo\nlong line\nfour\n");
  });

  test("tailLines counts whole lines", async () => {
    expect(await read(file(SAMPLE), { tailLines: 2 })).toBe("long line\nfour\n");
    expect(await read(file(SAMPLE), { tailLines: 0 })).toBe("");
  });

  test("timestamps: the first piece's time, once per line, nine digits", async () => {
    expect(await read(file(SAMPLE), { timestamps: true, tailLines: 2 })).toBe(
      "2024-05-01T10:00:02.000000000Z long line\n2024-05-01T10:00:04.000000000Z four\n",
    );
  });

  test("since skips older records", async () => {
    expect(await read(file(SAMPLE), { sinceNs: sec("2024-05-01T10:00:01Z") })).toBe("two\nlong line\nfour\n");
    expect(await read(file(SAMPLE), { sinceNs: sec("2024-05-01T10:00:03.5Z") })).toBe("four\n");
  });

  test("limitBytes cuts mid-line and stops, prefix included", async () => {
    expect(await read(file(SAMPLE), { limitBytes: 6 })).toBe("one\ntw");
    expect(await read(file(SAMPLE), { limitBytes: 35, timestamps: true })).toBe("2024-05-01T10:00:00.100000000Z one\n");
  });

  test("a last line without its newline is shown as it is", async () => {
    expect(await read(file("2024-05-01T10:00:00Z stdout F a\n2024-05-01T10:00:00Z stdout F b"))).toBe("a\nb");
  });

  test("no file: nothing to show", async () => {
    expect(await read(join(dir, "missing.log"))).toBe("");
    expect(await read(join(dir, "missing.log"), { follow: true })).toBe("");
  });

  test("a big file, larger than one read, comes out whole", async () => {
    const lines = Array.from({ length: 5000 }, (_, i) => `2024-05-01T10:00:00Z stdout F line ${i} ${"x".repeat(40)}\n`);
    const out = await read(file(lines.join("")));
    expect(out.split("\n").length).toBe(5001);
    expect(out.endsWith(`line 4999 ${"x".repeat(40)}\n`)).toBe(true);
  });
});

describe("following a CRI log", () => {
  test("new lines arrive as they are written; the end comes once the container stopped and the file is drained", async () => {
    const path = file("2024-05-01T10:00:00Z stdout F first\n");
    let running = true;
    const deps: FollowDeps = { isRunning: async () => running, signal: new AbortController().signal, pollMs: 20 };
    const it = readCriLog(path, { follow: true }, deps);
    expect((await it.next()).value!.toString()).toBe("first\n");
    appendFileSync(path, "2024-05-01T10:00:01Z stdout P sec");
    appendFileSync(path, "ond\n");
    // The piece without its newline waits for the rest.
    appendFileSync(path, "2024-05-01T10:00:01Z stdout F \n");
    let got = "";
    while (got !== "second\n") got += (await it.next()).value!.toString();
    appendFileSync(path, "2024-05-01T10:00:02Z stdout F last words\n");
    running = false;
    let rest = "";
    for (let r = await it.next(); !r.done; r = await it.next()) rest += r.value.toString();
    expect(rest).toBe("last words\n");
  });

  test("the client going away ends the follow", async () => {
    const path = file("2024-05-01T10:00:00Z stdout F x\n");
    const ac = new AbortController();
    const it = readCriLog(path, { follow: true, tailLines: 0 }, { isRunning: async () => true, signal: ac.signal, pollMs: 60_000 });
    const next = it.next();
    ac.abort();
    expect((await next).done).toBe(true);
  });

  test("a file that appears later is followed from its start", async () => {
    const path = join(dir, "later.log");
    const deps: FollowDeps = { isRunning: async () => true, signal: new AbortController().signal, pollMs: 10 };
    const it = readCriLog(path, { follow: true }, deps);
    const next = it.next();
    writeFileSync(path, "2024-05-01T10:00:00Z stdout F hello\n");
    expect((await next).value!.toString()).toBe("hello\n");
    await it.return(undefined);
  });
});
