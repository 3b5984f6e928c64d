/**
 * Defaults the apiserver fills into a PodSpec (pkg/apis/core/v1/defaults.go), so that objects
 * read back look like Kubernetes' own and `kubectl apply` three-way diffs stay quiet.
 */
type Obj = Record<string, any>;

export function defaultPodSpec(spec: Obj | undefined): void {
  if (!spec || typeof spec !== "object") return;
  spec.restartPolicy ??= "Always";
  spec.terminationGracePeriodSeconds ??= 30;
  spec.dnsPolicy ??= "ClusterFirst";
  spec.securityContext ??= {};
  spec.schedulerName ??= "default-scheduler";
  for (const list of [spec.containers, spec.initContainers]) {
    if (Array.isArray(list)) for (const c of list) defaultContainer(c);
  }
  if (Array.isArray(spec.volumes)) for (const v of spec.volumes) defaultVolume(v);
}

export function defaultContainer(c: Obj): void {
  if (!c || typeof c !== "object") return;
  c.terminationMessagePath ??= "/dev/termination-log";
  c.terminationMessagePolicy ??= "File";
  c.imagePullPolicy ??= defaultPullPolicy(c.image);
  c.resources ??= {};
  if (Array.isArray(c.ports)) for (const p of c.ports) if (p && typeof p === "object") p.protocol ??= "TCP";
  for (const probe of [c.livenessProbe, c.readinessProbe, c.startupProbe]) defaultProbe(probe);
  if (Array.isArray(c.env)) {
    for (const e of c.env) {
      const f = e?.valueFrom?.fieldRef;
      if (f && typeof f === "object") f.apiVersion ??= "v1";
    }
  }
}

/** `Always` for `:latest` or untagged images, otherwise `IfNotPresent` (digests count as tags). */
export function defaultPullPolicy(image: unknown): string {
  if (typeof image !== "string") return "IfNotPresent";
  if (image.includes("@")) return "IfNotPresent";
  const lastSlash = image.lastIndexOf("/");
  const colon = image.indexOf(":", lastSlash + 1);
  if (colon < 0) return "Always";
  return image.slice(colon + 1) === "latest" ? "Always" : "IfNotPresent";
}

function defaultProbe(p: Obj | undefined): void {
  if (!p || typeof p !== "object") return;
  p.timeoutSeconds ??= 1;
  p.periodSeconds ??= 10;
  p.successThreshold ??= 1;
  p.failureThreshold ??= 3;
  if (p.httpGet && typeof p.httpGet === "object") {
    p.httpGet.path ??= "/";
    p.httpGet.scheme ??= "HTTP";
  }
}

function defaultVolume(v: Obj): void {
  if (!v || typeof v !== "object") return;
  for (const key of ["configMap", "secret"]) {
    if (v[key] && typeof v[key] === "object") v[key].defaultMode ??= 420;
  }
  if (v.emptyDir === null) v.emptyDir = {};
  if (v.hostPath && typeof v.hostPath === "object") v.hostPath.type ??= "";
}
