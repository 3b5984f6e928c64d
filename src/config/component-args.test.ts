import { describe, expect, test } from "bun:test";
import { componentSettings } from "./component-args.ts";

describe("--kube-controller-manager-arg / --kube-apiserver-arg", () => {
  test("known keys map onto settings, with or without leading dashes", () => {
    expect(componentSettings(["node-monitor-grace-period=20s", "--node-cidr-mask-size=26"], ["default-not-ready-toleration-seconds=30", "default-unreachable-toleration-seconds=45", "event-ttl=2h30m", "etcd-compaction-interval=1m"])).toEqual({
      nodeMonitorGracePeriodMs: 20_000,
      nodeCidrMaskSize: 26,
      notReadyTolerationSeconds: 30,
      unreachableTolerationSeconds: 45,
      eventTtlMs: 9_000_000,
      etcdCompactionIntervalMs: 60_000,
    });
    expect(componentSettings([], ["etcd-compaction-interval=0"])).toEqual({ etcdCompactionIntervalMs: 0 });
    expect(componentSettings(["horizontal-pod-autoscaler-sync-period=5s", "horizontal-pod-autoscaler-downscale-stabilization=30s"], [])).toEqual({ hpaSyncPeriodMs: 5_000, hpaDownscaleStabilizationMs: 30_000 });
    expect(componentSettings(["horizontal-pod-autoscaler-downscale-stabilization=0s"], [])).toEqual({ hpaDownscaleStabilizationMs: 0 });
  });

  test.each([
    [["node-monitor-grace-period=soon"], [], 'invalid node-monitor-grace-period: time: invalid duration "soon"'],
    [["node-cidr-mask-size=40"], [], "invalid node-cidr-mask-size: want an integer from 8 to 30, got \"40\""],
    [["terminated-pod-gc-threshold=-1"], [], "invalid terminated-pod-gc-threshold: want an integer from 0 to 2147483647, got \"-1\""],
    [["leader-elect=false"], [], "unsupported --kube-controller-manager-arg leader-elect (supported: node-monitor-grace-period, node-cidr-mask-size, terminated-pod-gc-threshold, horizontal-pod-autoscaler-sync-period, horizontal-pod-autoscaler-downscale-stabilization)"],
    [["horizontal-pod-autoscaler-sync-period=0s"], [], "invalid horizontal-pod-autoscaler-sync-period: must be positive, got 0s"],
    [[], ["event-ttl"], 'invalid --kube-apiserver-arg "event-ttl" (want key=value)'],
    [[], ["etcd-compaction-interval=-1m"], "invalid etcd-compaction-interval: must not be negative, got -1m"],
  ])("%j %j is refused", (cm, api, message) => {
    expect(() => componentSettings(cm, api)).toThrow(message);
  });
});
