import { expect, test } from "bun:test";
import { podTemplateText } from "./pod-template-text.ts";

// Written by kubectl 1.32 (`rollout history --revision=1`) for the same template.
const KUBECTL = `  Labels:\ta=first
\tapp=rich
\tz=last
  Annotations:\tnote: hello
  Service Account:\tdefault
  Init Containers:
   init:
    Image:\tbusybox:1
    Port:\t<none>
    Host Port:\t<none>
    Command:
      sh
      -c
      echo hi
    Environment:\t<none>
    Mounts:\t<none>
  Containers:
   main:
    Image:\tbusybox:1
    Ports:\t80/TCP, 53/UDP
    Host Ports:\t0/TCP, 5353/UDP
    Args:
      3600
    Limits:
      cpu:\t100m
      memory:\t64Mi
    Environment:
      A:\tB
      S:\t<set to the key 'a' in secret 's'>\tOptional: false
      P:\t (v1:metadata.name)
    Mounts:
      /cfg from cfg (ro,path="x")
      /data from data (rw)
  Volumes:
   data:
    Type:\tEmptyDir (a temporary directory that shares a pod's lifetime)
    Medium:\t
    SizeLimit:\t<unset>
   hp:
    Type:\tHostPath (bare host directory volume)
    Path:\t/tmp
    HostPathType:\t
  Node-Selectors:\tarch=amd64
\tdisk=ssd
  Tolerations:\top=Exists
\tk=v:NoSchedule
\tt:NoExecute op=Exists for 30s
`;

test("a pod template as kubectl describes it: sorted labels, ports, env forms, sorted mounts, volumes, tolerations", () => {
  const template = {
    metadata: { labels: { z: "last", app: "rich", a: "first" }, annotations: { note: "hello" } },
    spec: {
      serviceAccountName: "default",
      nodeSelector: { disk: "ssd", arch: "amd64" },
      tolerations: [{ key: "k", operator: "Equal", value: "v", effect: "NoSchedule" }, { operator: "Exists" }, { key: "t", operator: "Exists", effect: "NoExecute", tolerationSeconds: 30 }],
      initContainers: [{ name: "init", image: "busybox:1", command: ["sh", "-c", "echo hi"] }],
      containers: [{
        name: "main", image: "busybox:1", args: ["3600"],
        ports: [{ containerPort: 80, protocol: "TCP" }, { containerPort: 53, protocol: "UDP", hostPort: 5353 }],
        resources: { limits: { memory: "64Mi", cpu: "100m" } },
        env: [{ name: "A", value: "B" }, { name: "S", valueFrom: { secretKeyRef: { name: "s", key: "a" } } }, { name: "P", valueFrom: { fieldRef: { apiVersion: "v1", fieldPath: "metadata.name" } } }],
        volumeMounts: [{ name: "data", mountPath: "/data" }, { name: "cfg", mountPath: "/cfg", readOnly: true, subPath: "x" }],
      }],
      volumes: [{ name: "data", emptyDir: {} }, { name: "hp", hostPath: { path: "/tmp", type: "" } }],
    },
  };
  expect(podTemplateText(template)).toBe(KUBECTL);
});

test("an empty template: every section says <none>", () => {
  expect(podTemplateText({ spec: { containers: [{ name: "c", image: "i" }] } })).toBe(
    "  Labels:\t<none>\n  Containers:\n   c:\n    Image:\ti\n    Port:\t<none>\n    Host Port:\t<none>\n    Environment:\t<none>\n    Mounts:\t<none>\n  Volumes:\t<none>\n  Node-Selectors:\t<none>\n  Tolerations:\t<none>\n",
  );
});
