import { describe, expect, test } from "bun:test";
import { duplicateFields } from "./duplicate-fields.ts";

describe("duplicateFields", () => {
  test.each<[string, string, string[]]>([
    ["none", '{"a":1,"b":{"a":2},"c":[{"a":3},{"a":4}]}', []],
    // sigs.k8s.io/json's own cases (kubernetes_patch_test.go), with its paths.
    ["typed-looking", '{"a":1,"a":2,"a":3,"b":4,"b":5,"b":6,"C":7,"C":8,"C":9,"e":[{"f":1,"f":1}]}', ["a", "b", "C", "e[0].f"]],
    ["nested maps", '{"a":"","b":"","a":"","b":"","c":{"c":"","c":""},"d":{"e":{"f":1,"f":1}},"e":[{"g":1,"g":1}]}', ["a", "b", "c.c", "d.e.f", "e[0].g"]],
    ["list indexes count items", '{"l":[1,"x",[{"k":1}],{"k":1,"k":2}]}', ["l[3].k"]],
    ["lists of lists", '[[{"a":1}],[{"a":1},{"a":1,"a":2}]]', ["[1][1].a"]],
    ["keys compare decoded", '{"name":1,"n\\u0061me":2}', ["name"]],
    ["strings may hold quotes, braces and backslashes", '{"x":"}{\\"\\\\","y":"\\\\","x":1}', ["x"]],
    ["a key equal to a value is no duplicate", '{"a":"b","b":"a"}', []],
    ["whitespace anywhere", '{ "metadata" : { "name" : "a" ,\n "name" : "b" } }', ["metadata.name"]],
  ])("%s", (_name, json, paths) => {
    JSON.parse(json); // the scanner runs on text JSON.parse accepted
    expect(duplicateFields(json)).toEqual(paths);
  });

  test("stops at the limit", () => {
    const json = `{${Array.from({ length: 300 }, (_, i) => `"k${i}":1,"k${i}":2`).join(",")}}`;
    expect(duplicateFields(json)).toHaveLength(100);
    expect(duplicateFields(json, 3)).toEqual(["k0", "k1", "k2"]);
  });

  test("a 1 MiB body is scanned whole (the duplicate is at its end)", () => {
    const data = Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`key-${i}`, "v".repeat(40) + '"{[']));
    const body = JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "big" }, data }).slice(0, -2) + ',"key-7":"again"}}';
    expect(body.length).toBeGreaterThan(1024 * 1024);
    JSON.parse(body);
    const t0 = performance.now();
    expect(duplicateFields(body)).toEqual(["data.key-7"]);
    console.log(`duplicateFields: ${(body.length / 1024 / 1024).toFixed(2)} MiB in ${(performance.now() - t0).toFixed(1)} ms`);
  });
});
