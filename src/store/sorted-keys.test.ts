import { describe, expect, test } from "bun:test";
import { SortedKeys } from "./sorted-keys.ts";

const keys = ["/pods/default/b", "/pods/default2/x", "/pods/default/a", "/pods/kube-system/c", "/podsx/a", "/nodes/n1"];

function range(s: SortedKeys, prefix: string, afterKey?: string): string[] {
  const [start, end] = s.prefixRange(prefix, afterKey);
  const out: string[] = [];
  for (let i = start; i < end; i++) out.push(s.at(i)!);
  return out;
}

describe("SortedKeys", () => {
  test.each([
    ["/pods/default/", undefined, ["/pods/default/a", "/pods/default/b"]],
    ["/pods/default/", "/pods/default/a", ["/pods/default/b"]],
    ["/pods/default/", "/pods/default/b", []],
    ["/pods/default/", "/nodes/zzz", ["/pods/default/a", "/pods/default/b"]], // afterKey before the prefix
    ["/pods/default/", "/pods/zzz", []], // afterKey past the prefix
    ["/pods/", "/pods/default/aa", ["/pods/default/b", "/pods/default2/x", "/pods/kube-system/c"]], // afterKey not a key
    ["/", undefined, ["/nodes/n1", "/pods/default/a", "/pods/default/b", "/pods/default2/x", "/pods/kube-system/c", "/podsx/a"]],
    ["/secrets/", undefined, []],
    ["/zzz/", undefined, []],
  ])("prefixRange(%s, after %p)", (prefix, afterKey, expected) => {
    expect(range(SortedKeys.from(keys), prefix, afterKey)).toEqual(expected);
  });

  test("add and remove keep order and ignore repeats", () => {
    const s = SortedKeys.from(keys);
    s.add("/pods/default/aa");
    s.add("/pods/default/aa");
    s.remove("/pods/default/b");
    s.remove("/pods/default/never");
    expect(range(s, "/pods/default/")).toEqual(["/pods/default/a", "/pods/default/aa"]);
    expect(s.size).toBe(keys.length);
  });
});
