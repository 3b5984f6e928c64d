import { describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { NetRunner } from "../../net/net-runner.ts";
import { bridgeProblem, gatewayFor, reconcileBridge, staleBridgeAddresses, staleIpamFiles } from "./bridge-address.ts";

const addrJson = (...addrs: [string, number][]) =>
  JSON.stringify([{ ifname: "k3rsabc", addr_info: [...addrs.map(([local, prefixlen]) => ({ family: "inet", local, prefixlen })), { family: "inet6", local: "fe80::1", prefixlen: 64 }] }]);

/** An `ip` that knows one bridge with `addrs`, and records what it is told to do. */
function fakeIp(addrs: [string, number][] | undefined) {
  const calls: string[][] = [];
  const run: NetRunner = async (_tool, args) => {
    calls.push(args);
    if (args[0] === "-j") return addrs ? { code: 0, stdout: addrJson(...addrs), stderr: "" } : { code: 1, stdout: "", stderr: 'Device "k3rsabc" does not exist.\n' };
    return { code: 0, stdout: "", stderr: "" };
  };
  return { run, calls };
}

describe("the CNI bridge's address follows the podCIDR", () => {
  test("the gateway is the range's first host", () => {
    expect(gatewayFor("10.42.5.0/24")).toBe("10.42.5.1/24");
  });

  test.each([
    ["only the gateway", [["10.42.5.1", 24]], []],
    ["the old range's gateway", [["10.42.4.1", 24]], ["10.42.4.1/24"]],
    ["both", [["10.42.4.1", 24], ["10.42.5.1", 24]], ["10.42.4.1/24"]],
    ["the right address with another length", [["10.42.5.1", 16]], ["10.42.5.1/16"]],
  ] as const)("stale addresses: %s", (_, addrs, want) => {
    expect(staleBridgeAddresses(addrJson(...(addrs as unknown as [string, number][])), "10.42.5.0/24")).toEqual(want as unknown as string[]);
  });

  test("host-local leases and the last-reserved marker of another range are stale, the range's own are not", () => {
    const files = [
      { name: "10.42.4.2" },
      { name: "10.42.5.7" },
      { name: "lock" },
      { name: "last_reserved_ip.0", content: "10.42.4.9" },
    ];
    expect(staleIpamFiles(files, "10.42.5.0/24")).toEqual(["10.42.4.2", "last_reserved_ip.0"]);
    expect(staleIpamFiles([{ name: "last_reserved_ip.0", content: "10.42.5.9" }], "10.42.5.0/24")).toEqual([]);
  });

  test("reconcile takes the old gateway off the bridge and forgets the old leases", async () => {
    const dir = mkdtempSync(join(tmpdir(), "bridge-address-"));
    try {
      for (const f of ["10.42.4.2", "10.42.5.3", "lock"]) writeFileSync(join(dir, f), "ctr\neth0\n");
      writeFileSync(join(dir, "last_reserved_ip.0"), "10.42.4.2");
      const ip = fakeIp([["10.42.4.1", 24]]);
      await reconcileBridge({ run: ip.run, bridge: "k3rsabc", podCidr: "10.42.5.0/24", ipamNetworkDir: dir });
      expect(ip.calls.filter((a) => a[0] === "addr")).toEqual([["addr", "del", "10.42.4.1/24", "dev", "k3rsabc"]]);
      expect(readdirSync(dir).sort()).toEqual(["10.42.5.3", "lock"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("reconcile leaves a bridge with the right gateway, and a missing bridge, alone", async () => {
    for (const addrs of [[["10.42.5.1", 24]] as [string, number][], undefined]) {
      const ip = fakeIp(addrs);
      await reconcileBridge({ run: ip.run, bridge: "k3rsabc", podCidr: "10.42.5.0/24", ipamNetworkDir: "/nonexistent/k3rs" });
      expect(ip.calls.filter((a) => a[0] === "addr")).toEqual([]);
    }
  });

  test("a bridge holding another range's gateway is a network problem, named with the fix", async () => {
    expect(await bridgeProblem(fakeIp([["10.42.4.1", 24]]).run, "k3rsabc", "10.42.5.0/24")).toBe(
      "bridge k3rsabc holds 10.42.4.1/24, not the gateway 10.42.5.1/24 of podCIDR 10.42.5.0/24: every pod sandbox would fail (remove the address with `ip addr del 10.42.4.1/24 dev k3rsabc`)",
    );
    expect(await bridgeProblem(fakeIp([["10.42.5.1", 24]]).run, "k3rsabc", "10.42.5.0/24")).toBeUndefined();
    expect(await bridgeProblem(fakeIp(undefined).run, "k3rsabc", "10.42.5.0/24")).toBeUndefined();
  });
});
