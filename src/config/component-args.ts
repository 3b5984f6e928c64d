/**
 * K3s's `--kube-controller-manager-arg key=value` and `--kube-apiserver-arg key=value`: the
 * upstream flags users already tune (failover timing, event TTL), mapped onto our settings.
 * Only the keys listed here are understood; anything else is refused by name rather than
 * silently ignored.
 */
import type { ControllerSettings } from "../controllers/framework/context.ts";
import { parseGoDuration } from "../model/duration.ts";

type Apply = (value: string, out: Partial<ControllerSettings>) => void;

const AUDIT_KEYS = ["audit-log-path", "audit-policy-file", "audit-log-maxsize", "audit-log-maxbackup", "audit-log-maxage"] as const;

/** The audit log's settings from `--kube-apiserver-arg audit-log-*=…` (sizes in MB, ages in days, as the apiserver takes them). */
export interface AuditArgs {
  path?: string;
  policyFile?: string;
  maxBytes?: number;
  maxBackups?: number;
  maxAgeDays?: number;
}

export function auditSettings(apiserverArgs: string[]): AuditArgs {
  const out: AuditArgs = {};
  for (const arg of apiserverArgs) {
    const m = /^(?:--)?(audit-[a-z-]+)=(.*)$/.exec(arg.trim());
    if (!m) continue;
    const [, key, value] = m as unknown as [string, string, string];
    const count = () => {
      if (!/^\d+$/.test(value)) throw new Error(`invalid ${key}: want a whole number, got ${JSON.stringify(value)}`);
      return Number(value);
    };
    if (key === "audit-log-path") out.path = value;
    else if (key === "audit-policy-file") out.policyFile = value;
    // 0 is lumberjack's "default size" (100 MB), as the apiserver passes it on.
    else if (key === "audit-log-maxsize") out.maxBytes = count() > 0 ? count() * 1024 * 1024 : undefined;
    else if (key === "audit-log-maxbackup") out.maxBackups = count();
    else if (key === "audit-log-maxage") out.maxAgeDays = count();
  }
  return out;
}

/** A positive duration; with `zeroIsOff`, 0 is allowed and means "off" (as kube-apiserver reads its etcd-compaction-interval). */
function durationMs(flag: string, key: keyof ControllerSettings, zeroIsOff = false): Apply {
  return (v, out) => {
    let ms: number;
    try {
      ms = parseGoDuration(v);
    } catch (e) {
      throw new Error(`invalid ${flag}: ${(e as Error).message}`);
    }
    if (zeroIsOff ? ms < 0 : ms <= 0) throw new Error(`invalid ${flag}: ${zeroIsOff ? "must not be negative" : "must be positive"}, got ${v}`);
    (out as any)[key] = ms;
  };
}

function integer(flag: string, key: keyof ControllerSettings, min: number, max: number): Apply {
  return (v, out) => {
    const n = Number(v);
    if (!/^-?\d+$/.test(v) || n < min || n > max) throw new Error(`invalid ${flag}: want an integer from ${min} to ${max}, got ${JSON.stringify(v)}`);
    (out as any)[key] = n;
  };
}

const CONTROLLER_MANAGER: Record<string, Apply> = {
  "node-monitor-grace-period": durationMs("node-monitor-grace-period", "nodeMonitorGracePeriodMs"),
  "node-cidr-mask-size": integer("node-cidr-mask-size", "nodeCidrMaskSize", 8, 30),
  "terminated-pod-gc-threshold": integer("terminated-pod-gc-threshold", "terminatedPodGcThreshold", 0, 2 ** 31 - 1),
  "horizontal-pod-autoscaler-sync-period": durationMs("horizontal-pod-autoscaler-sync-period", "hpaSyncPeriodMs"),
  "horizontal-pod-autoscaler-downscale-stabilization": durationMs("horizontal-pod-autoscaler-downscale-stabilization", "hpaDownscaleStabilizationMs", true),
};

const APISERVER: Record<string, Apply> = {
  "default-not-ready-toleration-seconds": integer("default-not-ready-toleration-seconds", "notReadyTolerationSeconds", 0, 2 ** 31 - 1),
  "default-unreachable-toleration-seconds": integer("default-unreachable-toleration-seconds", "unreachableTolerationSeconds", 0, 2 ** 31 - 1),
  "event-ttl": durationMs("event-ttl", "eventTtlMs"),
  "etcd-compaction-interval": durationMs("etcd-compaction-interval", "etcdCompactionIntervalMs", true),
  // Read by auditSettings below; nothing for the controllers.
  ...Object.fromEntries(AUDIT_KEYS.map((k) => [k, () => undefined])),
};

function parse(flag: string, known: Record<string, Apply>, args: string[], out: Partial<ControllerSettings>): void {
  for (const arg of args) {
    const m = /^(?:--)?([a-z0-9-]+)=(.*)$/.exec(arg.trim());
    if (!m) throw new Error(`invalid --${flag} ${JSON.stringify(arg)} (want key=value)`);
    const apply = known[m[1]!];
    if (!apply) throw new Error(`unsupported --${flag} ${m[1]} (supported: ${Object.keys(known).join(", ")})`);
    apply(m[2]!, out);
  }
}

/** Settings from both lists; throws an Error naming the first bad argument. */
export function componentSettings(controllerManagerArgs: string[], apiserverArgs: string[]): Partial<ControllerSettings> {
  const out: Partial<ControllerSettings> = {};
  parse("kube-controller-manager-arg", CONTROLLER_MANAGER, controllerManagerArgs, out);
  parse("kube-apiserver-arg", APISERVER, apiserverArgs, out);
  return out;
}
