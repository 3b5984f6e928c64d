import { expect, test } from "bun:test";
import { BackendTable } from "./backend-table.ts";
import { service, slice } from "./test-objects.ts";

const ref = (port: number | string) => ({ namespace: "default", service: "web", port });

test("a backend port by number or by name reaches the slice port of the same Service port name", () => {
  const b = new BackendTable();
  b.upsertService(service("web", [{ name: "http", port: 80, targetPort: "web" }, { name: "admin", port: 9000 }]));
  b.upsertSlice(slice("web", [{ name: "http", port: 8080 }, { name: "admin", port: 9001 }], [{ ip: "10.42.0.5" }, { ip: "10.42.0.6" }]));
  expect(b.targets(ref(80)).map((t) => t.key)).toEqual(["10.42.0.5:8080", "10.42.0.6:8080"]);
  expect(b.targets(ref("admin")).map((t) => t.key)).toEqual(["10.42.0.5:9001", "10.42.0.6:9001"]);
  // round-robin over the ready endpoints
  expect([b.pick(ref(80)), b.pick(ref(80)), b.pick(ref(80))].map((t) => (typeof t === "string" ? t : t.key))).toEqual(["10.42.0.5:8080", "10.42.0.6:8080", "10.42.0.5:8080"]);
});

test("missing Service or port → no-service; no ready endpoint → no-endpoints; changes apply at once", () => {
  const changed: string[] = [];
  const b = new BackendTable((s) => changed.push(s));
  expect(b.pick(ref(80))).toBe("no-service");
  b.upsertService(service("web", [{ port: 80 }]));
  expect(b.pick(ref(81))).toBe("no-service");
  expect(b.pick(ref(80))).toBe("no-endpoints");
  b.upsertSlice(slice("web", [{ port: 8080 }], [{ ip: "10.42.0.5", ready: false }]));
  expect(b.pick(ref(80))).toBe("no-endpoints");
  b.upsertSlice(slice("web", [{ port: 8080 }], [{ ip: "10.42.0.5", ready: true }]));
  expect(b.pick(ref(80))).toMatchObject({ key: "10.42.0.5:8080" });
  b.deleteSlice(slice("web", [], []));
  expect(b.pick(ref(80))).toBe("no-endpoints");
  b.deleteService("default/web");
  expect(b.pick(ref(80))).toBe("no-service");
  expect(changed.length).toBeGreaterThanOrEqual(5);
});

test("a target that refused the request is skipped while others remain", () => {
  const b = new BackendTable();
  b.upsertService(service("web", [{ port: 80 }]));
  b.upsertSlice(slice("web", [{ port: 8080 }], [{ ip: "10.42.0.5" }, { ip: "10.42.0.6" }]));
  const first = b.pick(ref(80));
  if (typeof first === "string") throw new Error(first);
  const second = b.pick(ref(80), new Set([first.key]));
  expect(typeof second !== "string" && second.key).not.toBe(first.key);
  expect(b.pick(ref(80), new Set(["10.42.0.5:8080", "10.42.0.6:8080"]))).toBe("no-endpoints");
});
