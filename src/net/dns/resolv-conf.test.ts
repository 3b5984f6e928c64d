import { describe, expect, test } from "bun:test";
import { choosePodResolvConf, chooseUpstreams, parseResolvConf } from "./resolv-conf.ts";
import { parseServer } from "./upstream.ts";

describe("parseResolvConf", () => {
  test("nameservers, the last search line, options; comments ignored", () => {
    const text = "# generated\nnameserver 192.168.1.1\nsearch old.example\nnameserver fd00::1 ; v6\nsearch lan. corp.example\noptions ndots:2 edns0\n";
    expect(parseResolvConf(text)).toEqual({ servers: ["192.168.1.1", "fd00::1"], searches: ["lan", "corp.example"], options: ["ndots:2", "edns0"] });
  });
});

describe("chooseUpstreams", () => {
  test("real servers win over a loopback stub", () => {
    expect(chooseUpstreams("nameserver 127.0.0.53\nnameserver 10.0.0.2\n")).toEqual(["10.0.0.2"]);
  });
  test("systemd-resolved's stub: the servers it lists in /run/systemd/resolve/resolv.conf", () => {
    expect(chooseUpstreams("nameserver 127.0.0.53\noptions edns0 trust-ad\n", "nameserver 192.168.1.1\nnameserver 192.168.1.2\n")).toEqual(["192.168.1.1", "192.168.1.2"]);
  });
  test("only loopback known: keep it (we run in the node's network namespace, where it answers)", () => {
    expect(chooseUpstreams("nameserver 127.0.0.53\n", "nameserver 127.0.0.1\n")).toEqual(["127.0.0.53"]);
    expect(chooseUpstreams("")).toEqual([]);
  });
});

describe("parseServer", () => {
  test.each([
    ["1.1.1.1", { host: "1.1.1.1", port: 53 }],
    ["127.0.0.1:5353", { host: "127.0.0.1", port: 5353 }],
    ["fd00::1", { host: "fd00::1", port: 53 }],
    ["[fd00::1]:5353", { host: "fd00::1", port: 5353 }],
  ])("%s", (s, want) => expect(parseServer(s)).toEqual(want));
});

describe("choosePodResolvConf (the kubelet's --resolv-conf as K3s picks it)", () => {
  test("/etc/resolv.conf when it names a usable server, loopback ones dropped", () => {
    expect(choosePodResolvConf("nameserver 127.0.0.1\nnameserver 10.0.0.2\nsearch lan\n", "nameserver 9.9.9.9")).toEqual({ servers: ["10.0.0.2"], searches: ["lan"], options: [] });
  });
  test("systemd-resolved's upstream file behind the 127.0.0.53 stub", () => {
    expect(choosePodResolvConf("nameserver 127.0.0.53\nsearch lan\n", "nameserver 192.168.1.1\nsearch lan\n")).toEqual({ servers: ["192.168.1.1"], searches: ["lan"], options: [] });
  });
  test("nothing usable: 8.8.8.8, as K3s writes", () => {
    expect(choosePodResolvConf("nameserver 127.0.0.53\n").servers).toEqual(["8.8.8.8"]);
  });
});
