import { describe, expect, test } from "bun:test";
import type { Duplex } from "node:stream";
import { UntrustedConnections, untrustedCapFor } from "./untrusted-connections.ts";
import { fakeSocket } from "../../../test/helpers/fake-socket.ts";


describe("untrusted connections", () => {
  test("past the cap the oldest untrusted connection is closed; trusted ones are never counted", () => {
    const budget = new UntrustedConnections(2);
    const [a, b, c, d, agent] = ["a", "b", "c", "d", "agent"].map(fakeSocket);
    budget.admit(agent as unknown as Duplex);
    budget.trust(agent as unknown as Duplex);
    for (const s of [a, b, c]) budget.admit(s as unknown as Duplex);
    expect([a, b, c].map((s) => s!.destroyed)).toEqual([true, false, false]);
    b!.destroy(); // closed by its deadline: no longer counted
    budget.admit(d as unknown as Duplex);
    expect([c, d].map((s) => s!.destroyed)).toEqual([false, false]);
    expect(budget.size).toBe(2);
    expect(agent!.destroyed).toBe(false);
  });

  test("the cap is half the descriptor limit", () => {
    expect(untrustedCapFor(20_000)).toBe(10_000);
    expect(untrustedCapFor(100)).toBe(64);
    expect(untrustedCapFor(undefined)).toBe(10_000);
  });
});
