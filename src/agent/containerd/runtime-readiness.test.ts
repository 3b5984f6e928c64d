import { describe, expect, test } from "bun:test";
import { runtimeReadiness } from "./runtime-readiness.ts";

const ok = [{ type: "RuntimeReady", status: true }, { type: "NetworkReady", status: true }];
const BRIDGE = "bridge k3rsabc holds 10.42.4.1/24, not the gateway 10.42.5.1/24 of podCIDR 10.42.5.0/24";

describe("node readiness from the runtime's conditions and the pod network", () => {
  test.each([
    ["all true", ok, undefined, { ready: true }],
    ["the runtime down", [{ type: "RuntimeReady", status: false, reason: "Down", message: "x" }, ok[1]!], undefined, { ready: false, message: "container runtime not ready: Down: x" }],
    ["no CNI config", [ok[0]!, { type: "NetworkReady", status: false, reason: "NetworkPluginNotReady", message: "cni config uninitialized" }], undefined, { ready: false, message: "container runtime network not ready: NetworkPluginNotReady: cni config uninitialized" }],
    ["containerd content, but the bridge holds another range's gateway", ok, BRIDGE, { ready: false, message: `container runtime network not ready: NetworkPluginNotReady: ${BRIDGE}` }],
    [
      "containerd's own NetworkReady=false is told once",
      [ok[0]!, { type: "NetworkReady", status: false, reason: "NetworkPluginNotReady", message: "cni config uninitialized" }],
      BRIDGE,
      { ready: false, message: "container runtime network not ready: NetworkPluginNotReady: cni config uninitialized" },
    ],
  ] as const)("%s", (_, conds, problem, want) => {
    expect(runtimeReadiness([...conds], problem)).toEqual(want);
  });
});
