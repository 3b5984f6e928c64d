import { describe, expect, test } from "bun:test";
import { serviceDeviceFor } from "./service-device.ts";
import { bridgeNameFor } from "../cni/cni-config.ts";

describe("serviceDeviceFor", () => {
  test("the standard data dir keeps K3s-like k3rs-svc0", () => {
    expect(serviceDeviceFor("/var/lib/k3rs")).toBe("k3rs-svc0");
  });

  test("other data dirs get their own Linux-sized name, never another node's nor its own bridge", () => {
    const a = serviceDeviceFor("/tmp/netagent-a");
    const b = serviceDeviceFor("/tmp/netagent-b");
    expect(a).not.toBe(b);
    expect(a).toBe(serviceDeviceFor("/tmp/netagent-a"));
    expect(a).not.toBe(bridgeNameFor("/tmp/netagent-a"));
    for (const name of [a, b]) expect(name).toMatch(/^[a-z0-9]{1,15}$/);
  });
});
