import { describe, expect, test } from "bun:test";
import type { KubeObject } from "../../model/object.ts";
import { evictionTime } from "./eviction-time.ts";

const NOW = Date.parse("2026-01-01T00:10:00Z");
const unreachable = { key: "node.kubernetes.io/unreachable", effect: "NoExecute", timeAdded: "2026-01-01T00:09:00Z" };
const notReady = { key: "node.kubernetes.io/not-ready", effect: "NoExecute", timeAdded: "2026-01-01T00:09:30Z" };
const pod = (tolerations: any[]): KubeObject => ({ apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: { tolerations } });

describe("evictionTime", () => {
  test("no NoExecute taints: never", () => {
    expect(evictionTime(pod([]), [], NOW)).toBeUndefined();
  });
  test("an untolerated taint: now", () => {
    expect(evictionTime(pod([{ key: "other", operator: "Exists" }]), [unreachable], NOW)).toBe(NOW);
  });
  test("tolerated for a while: from the taint's time plus the shortest toleration in use", () => {
    const p = pod([
      { key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 },
      { key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute", tolerationSeconds: 120 },
      { key: "unused", operator: "Exists", tolerationSeconds: 1 },
    ]);
    expect(evictionTime(p, [unreachable], NOW)).toBe(Date.parse("2026-01-01T00:14:00Z"));
    expect(evictionTime(p, [unreachable, notReady], NOW)).toBe(Date.parse("2026-01-01T00:11:30Z"));
  });
  test("tolerated without a limit (a DaemonSet pod): never", () => {
    expect(evictionTime(pod([{ key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute" }]), [unreachable], NOW)).toBeUndefined();
  });
  test("a catch-all Exists toleration tolerates every taint", () => {
    expect(evictionTime(pod([{ operator: "Exists" }]), [unreachable, notReady], NOW)).toBeUndefined();
  });
  test("zero or negative seconds: now (from the taint)", () => {
    expect(evictionTime(pod([{ key: "node.kubernetes.io/unreachable", operator: "Exists", tolerationSeconds: -5 }]), [unreachable], NOW)).toBe(Date.parse(unreachable.timeAdded));
  });
});
