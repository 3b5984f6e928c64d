import { describe, expect, test } from "bun:test";
import { type IpResult, ServiceAddresses } from "./addresses.ts";

/** A fake `ip` that records calls and answers from a small model of one interface. */
function fakeIp(opts: { noDummy?: boolean; existing?: { kind: string; addrs: string[] } } = {}) {
  const calls: string[] = [];
  let link = opts.existing ? { kind: opts.existing.kind, addrs: new Set(opts.existing.addrs) } : undefined;
  const ok = (stdout = ""): IpResult => ({ code: 0, stdout, stderr: "" });
  const fail = (stderr: string): IpResult => ({ code: 2, stdout: "", stderr });
  const run = async (args: string[]): Promise<IpResult> => {
    const cmd = args.join(" ");
    calls.push(cmd);
    if (cmd.startsWith("-d -j link show")) return link ? ok(JSON.stringify([{ linkinfo: { info_kind: link.kind } }])) : fail('Device "k3rs-svc0" does not exist.');
    if (cmd.startsWith("link add")) {
      if (args.at(-1) === "dummy" && opts.noDummy) return fail("Error: Unknown device type.");
      link = { kind: args.at(-1)!, addrs: new Set() };
      return ok();
    }
    if (cmd.startsWith("-j addr show")) return ok(JSON.stringify([{ addr_info: [...(link?.addrs ?? [])].map((a) => ({ local: a, scope: "global" })) }]));
    if (cmd.startsWith("addr replace")) {
      link!.addrs.add(args[2]!.split("/")[0]!);
      return ok();
    }
    if (cmd.startsWith("addr del")) {
      const ip = args[2]!.split("/")[0]!;
      if (!link!.addrs.delete(ip)) return fail("RTNETLINK answers: Cannot assign requested address");
      return ok();
    }
    return ok();
  };
  /** `ip link del` by hand: the interface and its addresses go. */
  const deleteLink = () => {
    link = undefined;
  };
  return { run, calls, deleteLink, addrs: () => [...(link?.addrs ?? [])] };
}

describe("ServiceAddresses", () => {
  test("setup makes the dummy interface and the unreachable route for the service CIDR", async () => {
    const ip = fakeIp();
    const a = new ServiceAddresses({ run: ip.run });
    await a.setup();
    expect(a.kind).toBe("dummy");
    expect(ip.calls).toContain("link add k3rs-svc0 type dummy");
    expect(ip.calls).toContain("link set dev k3rs-svc0 arp off up");
    expect(ip.calls).toContain("route replace unreachable 10.43.0.0/16");
  });

  test("a kernel without the dummy driver gets an empty bridge instead", async () => {
    const ip = fakeIp({ noDummy: true });
    const a = new ServiceAddresses({ run: ip.run });
    await a.setup();
    expect(a.kind).toBe("bridge");
    expect(ip.calls).toContain("link add k3rs-svc0 type bridge");
  });

  test("add/remove are incremental; sync drops addresses a previous run left", async () => {
    const ip = fakeIp({ existing: { kind: "dummy", addrs: ["10.43.0.99"] } });
    const a = new ServiceAddresses({ run: ip.run, unreachable: ["10.43.0.0/16", "10.42.0.0/16"] });
    await a.setup();
    expect(ip.calls.filter((c) => c.startsWith("link add"))).toEqual([]);
    expect(ip.calls).toContain("route replace unreachable 10.42.0.0/16");
    await a.add("10.43.0.5");
    await a.add("10.43.0.5");
    expect(ip.calls.filter((c) => c.startsWith("addr replace"))).toEqual(["addr replace 10.43.0.5/32 dev k3rs-svc0"]);
    await a.sync(["10.43.0.5", "10.43.0.6"]);
    expect(await a.list()).toEqual(["10.43.0.5", "10.43.0.6"]);
    expect(ip.calls).toContain("addr del 10.43.0.99/32 dev k3rs-svc0");
    await a.remove("10.43.0.6");
    expect(await a.list()).toEqual(["10.43.0.5"]);
  });

  test("removing an address someone else removed already is not an error", async () => {
    const ip = fakeIp();
    const a = new ServiceAddresses({ run: ip.run });
    await a.setup();
    await a.add("10.43.0.5");
    await ip.run(["addr", "del", "10.43.0.5/32", "dev", "k3rs-svc0"]);
    await a.remove("10.43.0.5");
    expect(a.owns("10.43.0.5")).toBe(false);
  });

  test("repair brings back an interface deleted by hand, with every address this node owns", async () => {
    const ip = fakeIp();
    const a = new ServiceAddresses({ run: ip.run });
    await a.setup();
    await a.add("10.43.0.5");
    await a.add("10.43.0.10");
    expect(await a.repair()).toEqual({ device: false, addresses: [] });
    ip.deleteLink();
    ip.calls.length = 0;
    expect(await a.repair()).toEqual({ device: true, addresses: ["10.43.0.5", "10.43.0.10"] });
    expect(ip.calls).toContain("link add k3rs-svc0 type dummy");
    expect(ip.calls).toContain("link set dev k3rs-svc0 arp off up");
    expect(ip.calls).toContain("route replace unreachable 10.43.0.0/16");
    expect(ip.addrs().sort()).toEqual(["10.43.0.10", "10.43.0.5"]);
  });

  test("repair re-adds one address removed by hand and leaves the others alone", async () => {
    const ip = fakeIp();
    const a = new ServiceAddresses({ run: ip.run });
    await a.setup();
    await a.add("10.43.0.5");
    await a.add("10.43.0.6");
    await ip.run(["addr", "del", "10.43.0.6/32", "dev", "k3rs-svc0"]);
    ip.calls.length = 0;
    expect(await a.repair()).toEqual({ device: false, addresses: ["10.43.0.6"] });
    expect(ip.calls.filter((c) => c.startsWith("addr replace"))).toEqual(["addr replace 10.43.0.6/32 dev k3rs-svc0"]);
  });

  test("an ip failure is an error naming the command", async () => {
    const a = new ServiceAddresses({ run: async () => ({ code: 2, stdout: "", stderr: "RTNETLINK answers: Operation not permitted" }) });
    await expect(a.setup()).rejects.toThrow("ip link add k3rs-svc0 type dummy: exit 2: RTNETLINK answers: Operation not permitted");
  });
});
