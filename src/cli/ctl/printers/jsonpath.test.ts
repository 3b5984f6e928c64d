import { describe, expect, test } from "bun:test";
import { goJson, JsonPath, relaxedJsonPath } from "./jsonpath.ts";

const list = {
  kind: "List",
  items: [
    { metadata: { name: "a", labels: { app: "x" } }, spec: { containers: [{ name: "c1", image: "i1" }, { name: "c2", image: "i2" }] }, status: { conditions: [{ type: "Ready", status: "True" }], n: 3 } },
    { metadata: { name: "b" }, spec: { containers: [{ name: "c3", image: "i3" }] }, status: { conditions: [{ type: "Ready", status: "False" }], n: 1 } },
  ],
};

describe("kubectl jsonpath templates", () => {
  test.each([
    ["{.items[*].metadata.name}", "a b"],
    ["{.items[0].metadata.name}", "a"],
    ["{.items[-1].metadata.name}", "b"],
    ["{.items[0:1].metadata.name}", "a"],
    ['{range .items[*]}{.metadata.name}{"\\n"}{end}', "a\nb\n"],
    ["{range .items[*]}[{.metadata.name},{.spec.containers[*].image}]{end}", "[a,i1 i2][b,i3]"],
    ['{.items[?(@.status.conditions[0].status=="True")].metadata.name}', "a"],
    ["{.items[?(@.status.n>1)].metadata.name}", "a"],
    ["{.items[?(@.metadata.labels)].metadata.name}", "a"],
    ["{..image}", "i1 i2 i3"],
    ["{.items[0].metadata.labels}", '{"app":"x"}'],
    ["{.items[0].metadata['name','labels']}", 'a {"app":"x"}'],
    ["name: {.items[1].metadata.name}", "name: b"],
    ["{.items[0].status.n}", "3"],
    ["{.kind}{'\\t'}{.missing}", "List\t"],
  ])("%s", (tmpl, want) => {
    expect(new JsonPath(tmpl, { allowMissingKeys: true }).execute(list)).toBe(want);
  });

  test("a missing key is an error unless allowed; an index out of range too", () => {
    expect(() => new JsonPath("{.nope}").execute(list)).toThrow("nope is not found");
    expect(() => new JsonPath("{.items[5]}").execute(list)).toThrow("array index out of bounds: index 5, length 2");
    expect(() => new JsonPath("{range .items[*]}{.x}").execute(list)).toThrow("unclosed action");
  });

  test("Go's json.Marshal for maps: keys sorted, HTML characters escaped", () => {
    expect(goJson({ b: 1, a: "<&>" })).toBe('{"a":"\\u003c\\u0026\\u003e","b":1}');
  });

  test("relaxed expressions", () => {
    expect(relaxedJsonPath(".metadata.name")).toBe("{.metadata.name}");
    expect(relaxedJsonPath("metadata.name")).toBe("{.metadata.name}");
    expect(relaxedJsonPath("{.a}")).toBe("{.a}");
  });
});
