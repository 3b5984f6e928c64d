import { describe, expect, test } from "bun:test";
import { keepingAddress } from "./node-network.ts";

describe("keepingAddress: the proxy's view of the service device without the cluster DNS address", () => {
  test("the DNS address is neither listed (so never pruned) nor removed; others pass through", async () => {
    const held = new Set(["10.43.0.10", "10.43.0.20"]);
    const owner = {
      add: async (ip: string) => void held.add(ip),
      remove: async (ip: string) => void held.delete(ip),
      list: async () => [...held],
    };
    const view = keepingAddress(owner, "10.43.0.10");
    expect(await view.list!()).toEqual(["10.43.0.20"]);
    await view.remove("10.43.0.10");
    await view.remove("10.43.0.20");
    await view.add("10.43.0.30");
    expect([...held].sort()).toEqual(["10.43.0.10", "10.43.0.30"]);
  });
});
