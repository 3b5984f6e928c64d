import { expect, test } from "bun:test";
import { parseFdb, parseNeighbours, parseRoutes } from "./actual-state.ts";

// Captured from iproute2 6.1 (`ip -N -j route show table main`, `ip -j neigh`, `bridge -j fdb`).
test("routes: ours by protocol number, type (numbered under -N), onlink, default and host routes normalised, metric routes left out", () => {
  const json = JSON.stringify([
    { type: "7", dst: "10.42.0.0/16", protocol: "151", flags: [] },
    { dst: "default", gateway: "172.31.0.254", dev: "eth0", protocol: "3", flags: [] },
    { dst: "10.42.1.0/24", gateway: "10.42.1.0", dev: "k3rs.vxlan", protocol: "151", flags: ["onlink"] },
    { dst: "10.42.2.0/24", gateway: "172.31.0.3", dev: "eth0", protocol: "151", metric: 100, flags: [] },
    { dst: "10.43.0.1", dev: "k3rs-svc0", protocol: "2", scope: "link", flags: [] },
    { type: "6", dst: "10.44.0.0/16", protocol: "3", flags: [] },
    { type: "unreachable", dst: "10.45.0.0/16", flags: [] },
  ]);
  expect(parseRoutes(json)).toEqual([
    { dst: "10.42.0.0/16", type: "unreachable", ours: true },
    { dst: "0.0.0.0/0", type: "unicast", gateway: "172.31.0.254", dev: "eth0", ours: false },
    { dst: "10.42.1.0/24", type: "unicast", gateway: "10.42.1.0", dev: "k3rs.vxlan", onlink: true, ours: true },
    { dst: "10.43.0.1/32", type: "unicast", dev: "k3rs-svc0", ours: false },
    { dst: "10.44.0.0/16", type: "other", ours: false },
    { dst: "10.45.0.0/16", type: "unreachable", ours: false },
  ]);
  expect(parseRoutes("")).toEqual([]);
});

test("neighbours: permanent or not, MAC lower-cased, IPv6 left out", () => {
  const json = JSON.stringify([
    { dst: "10.42.1.0", lladdr: "0A:00:00:00:00:0B", state: ["PERMANENT"] },
    { dst: "10.42.5.0", state: ["FAILED"] },
    { dst: "fe80::1", lladdr: "0a:00:00:00:00:0c", state: ["STALE"] },
  ]);
  expect(parseNeighbours(json)).toEqual([
    { ip: "10.42.1.0", mac: "0a:00:00:00:00:0b", permanent: true },
    { ip: "10.42.5.0", mac: "", permanent: false },
  ]);
});

test("fdb: only entries that send a MAC somewhere", () => {
  const json = JSON.stringify([
    { mac: "0a:00:00:00:00:0b", dst: "172.31.0.2", flags: ["self"], state: "permanent" },
    { mac: "33:33:00:00:00:01", flags: ["self"], state: "permanent" },
  ]);
  expect(parseFdb(json)).toEqual([{ mac: "0a:00:00:00:00:0b", dst: "172.31.0.2" }]);
});
