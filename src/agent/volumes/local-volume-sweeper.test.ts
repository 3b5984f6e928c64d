import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { KubeObject } from "../../model/object.ts";
import { LocalVolumeSweeper, planSweep, volumeOfEntry } from "./local-volume-sweeper.ts";

const ROOT = "/var/lib/k3rs/storage";
const pv = (name: string, dir: string, policy = "Delete", root = ROOT): KubeObject => ({
  apiVersion: "v1", kind: "PersistentVolume", metadata: { name },
  spec: { persistentVolumeReclaimPolicy: policy, hostPath: { path: `${root}/${dir}`, type: "DirectoryOrCreate" } },
});

test.each([
  ["pvc-0b6e5f3c-1c2d-4e5f-8a9b-0c1d2e3f4a5b_default_data-web-0", "pvc-0b6e5f3c-1c2d-4e5f-8a9b-0c1d2e3f4a5b"],
  ["pvc-1_shop_db.v2", "pvc-1"],
  ["something-else", undefined],
  ["pvc-1_only-two", undefined],
  ["pvc-1_a_b_c", undefined],
])("volumeOfEntry(%s) = %p", (entry, want) => {
  expect(volumeOfEntry(entry)).toBe(want);
});

describe("planSweep", () => {
  test("a directory whose Delete volume is gone goes; its memory with it", () => {
    const known = { "pvc-1": "Delete" };
    expect(planSweep(["pvc-1_ns_a"], [], ROOT, known)).toEqual({ remove: ["pvc-1_ns_a"], known: {} });
  });
  test("a volume that still exists (even being deleted) keeps its directory; its policy is learnt", () => {
    expect(planSweep(["pvc-1_ns_a"], [pv("pvc-1", "pvc-1_ns_a")], ROOT, {})).toEqual({ remove: [], known: { "pvc-1": "Delete" } });
  });
  test("Retain, or a policy never seen: the data stays", () => {
    expect(planSweep(["pvc-1_ns_a"], [], ROOT, { "pvc-1": "Retain" }).remove).toEqual([]);
    expect(planSweep(["pvc-2_ns_b"], [], ROOT, {}).remove).toEqual([]);
  });
  test("the latest policy wins (switched to Retain before the delete)", () => {
    const first = planSweep(["pvc-1_ns_a"], [pv("pvc-1", "pvc-1_ns_a", "Retain")], ROOT, { "pvc-1": "Delete" });
    expect(first.known).toEqual({ "pvc-1": "Retain" });
    expect(planSweep(["pvc-1_ns_a"], [], ROOT, first.known).remove).toEqual([]);
  });
  test("entries not named like volume directories, and volumes outside the root, are ignored", () => {
    const plan = planSweep(["lost+found", "notes.txt"], [pv("pvc-9", "pvc-9_ns_x", "Delete", "/elsewhere")], ROOT, {});
    expect(plan).toEqual({ remove: [], known: {} });
  });
  test("memory of a volume with neither an object nor a directory is dropped", () => {
    expect(planSweep([], [], ROOT, { "pvc-1": "Delete" }).known).toEqual({});
  });
});

describe("LocalVolumeSweeper on disk", () => {
  const base = mkdtempSync(join(tmpdir(), "k3rs-sweep-"));
  afterAll(() => rmSync(base, { recursive: true, force: true }));
  const root = join(base, "storage");
  const stateFile = join(base, "agent", "local-volumes.json");

  test("removes a deleted volume's directory after a restart, never a symlink or a foreign entry", async () => {
    mkdirSync(join(root, "pvc-1_ns_a"), { recursive: true });
    writeFileSync(join(root, "pvc-1_ns_a", "data"), "x");
    mkdirSync(join(base, "outside"));
    symlinkSync(join(base, "outside"), join(root, "pvc-2_ns_b"));
    mkdirSync(join(root, "keep-me"));
    let volumes = [pv("pvc-1", "pvc-1_ns_a", "Delete", root)];
    const signal = new AbortController().signal;
    const first = new LocalVolumeSweeper({ root, stateFile, listVolumes: async () => volumes, signal });
    first.note(pv("pvc-2", "pvc-2_ns_b", "Delete", root));
    // pvc-2's volume is gone, but its entry is a symlink: skipped, and forgotten.
    expect(await first.sweep()).toEqual([]);
    expect(existsSync(join(root, "pvc-2_ns_b"))).toBe(true);
    expect(JSON.parse(readFileSync(stateFile, "utf8"))).toEqual({ "pvc-1": "Delete" });

    volumes = [];
    const again = new LocalVolumeSweeper({ root, stateFile, listVolumes: async () => volumes, signal });
    expect(await again.sweep()).toEqual(["pvc-1_ns_a"]);
    expect(existsSync(join(root, "pvc-1_ns_a"))).toBe(false);
    expect(existsSync(join(base, "outside"))).toBe(true);
    expect(existsSync(join(root, "keep-me"))).toBe(true);
  });

  test("the server unreachable: nothing is touched", async () => {
    mkdirSync(join(root, "pvc-3_ns_c"), { recursive: true });
    const s = new LocalVolumeSweeper({ root, stateFile, listVolumes: async () => Promise.reject(new Error("down")), signal: new AbortController().signal });
    s.note(pv("pvc-3", "pvc-3_ns_c", "Delete", root));
    await expect(s.sweep()).rejects.toThrow("down");
    expect(existsSync(join(root, "pvc-3_ns_c"))).toBe(true);
  });
});
