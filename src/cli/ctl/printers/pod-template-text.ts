/**
 * A pod template as kubectl describes it under `Pod Template:` (its DescribePodTemplate):
 * labels and annotations, service account, init containers and containers (image, ports,
 * command, args, resources, environment, mounts), volumes, node selectors and tolerations —
 * what `rollout history --revision` and `rollout undo --dry-run=client` print. Tabs stay raw,
 * as kubectl writes them there.
 */
const MAX_ANNOTATION = 140;

const sortedKeys = (m: Record<string, unknown> | undefined) => Object.keys(m ?? {}).sort();

function labelsMultiline(title: string, m: Record<string, string> | undefined): string {
  const keys = sortedKeys(m);
  if (!keys.length) return `${title}:\t<none>\n`;
  return `${title}:\t${keys.map((k) => `${k}=${m![k]}`).join("\n\t")}\n`;
}

function annotationsMultiline(title: string, m: Record<string, string>): string {
  let out = `${title}:\t`;
  sortedKeys(m).forEach((k, i) => {
    if (i) out += "\t";
    const v = m[k]!.replace(/\n$/, "");
    if (v.length + k.length + 2 > MAX_ANNOTATION || v.includes("\n")) {
      out += `${k}:\n`;
      for (const s of v.split("\n")) out += `\t  ${s.length > MAX_ANNOTATION - 2 ? `${s.slice(0, MAX_ANNOTATION - 5)}...` : s}\n`;
    } else out += `${k}: ${v}\n`;
  });
  return out;
}

function tolerations(ts: any[] | undefined): string {
  if (!ts?.length) return "  Tolerations:\t<none>\n";
  const line = (t: any) => {
    let s = t.key ?? "";
    if (t.value) s += `=${t.value}`;
    if (t.effect) s += `:${t.effect}`;
    if (t.operator === "Exists") s += `${s ? " " : ""}op=Exists`;
    if (t.tolerationSeconds !== undefined && t.tolerationSeconds !== null) s += ` for ${t.tolerationSeconds}s`;
    return s;
  };
  // Sorted by key, as kubectl lists them.
  const sorted = [...ts].sort((a, b) => ((a.key ?? "") < (b.key ?? "") ? -1 : (a.key ?? "") > (b.key ?? "") ? 1 : 0));
  return `  Tolerations:\t${sorted.map(line).join("\n\t")}\n`;
}

function portLine(label: string, values: string[]): string {
  if (values.length > 1) return `    ${label}s:\t${values.join(", ")}\n`;
  return `    ${label}:\t${values[0] ?? "<none>"}\n`;
}

function container(c: any): string {
  let out = `   ${c.name}:\n    Image:\t${c.image ?? ""}\n`;
  const ports: any[] = c.ports ?? [];
  out += portLine("Port", ports.map((p) => `${p.containerPort}/${p.protocol ?? "TCP"}`));
  out += portLine("Host Port", ports.map((p) => `${p.hostPort ?? 0}/${p.protocol ?? "TCP"}`));
  for (const [title, list] of [["Command", c.command], ["Args", c.args]] as const) {
    if (list?.length) out += `    ${title}:\n${list.flatMap((s: string) => s.split("\n")).map((s: string) => `      ${s}\n`).join("")}`;
  }
  for (const [title, m] of [["Limits", c.resources?.limits], ["Requests", c.resources?.requests]] as const) {
    if (sortedKeys(m).length) out += `    ${title}:\n${sortedKeys(m).map((k) => `      ${k}:\t${m[k]}\n`).join("")}`;
  }
  const env: any[] = c.env ?? [];
  out += `    Environment:${env.length ? "" : "\t<none>"}\n`;
  for (const e of env) {
    const from = e.valueFrom;
    if (!from) out += String(e.value ?? "").split("\n").map((s, i) => (i ? `      \t${s}\n` : `      ${e.name}:\t${s}\n`)).join("");
    else if (from.fieldRef) out += `      ${e.name}:\t (${from.fieldRef.apiVersion ?? "v1"}:${from.fieldRef.fieldPath})\n`;
    else if (from.resourceFieldRef) out += `      ${e.name}:\t (${from.resourceFieldRef.resource})\n`;
    else if (from.secretKeyRef) out += `      ${e.name}:\t<set to the key '${from.secretKeyRef.key}' in secret '${from.secretKeyRef.name}'>\tOptional: ${!!from.secretKeyRef.optional}\n`;
    else if (from.configMapKeyRef) out += `      ${e.name}:\t<set to the key '${from.configMapKeyRef.key}' of config map '${from.configMapKeyRef.name}'>\tOptional: ${!!from.configMapKeyRef.optional}\n`;
  }
  const mounts: any[] = [...(c.volumeMounts ?? [])].sort((a, b) => (a.mountPath < b.mountPath ? -1 : a.mountPath > b.mountPath ? 1 : 0));
  out += `    Mounts:${mounts.length ? "" : "\t<none>"}\n`;
  for (const m of mounts) out += `      ${m.mountPath} from ${m.name} (${[m.readOnly ? "ro" : "rw", ...(m.subPath ? [`path=${JSON.stringify(m.subPath)}`] : [])].join(",")})\n`;
  return out;
}

function volume(v: any): string {
  let out = `   ${v.name}:\n`;
  if (v.emptyDir) out += `    Type:\tEmptyDir (a temporary directory that shares a pod's lifetime)\n    Medium:\t${v.emptyDir.medium ?? ""}\n    SizeLimit:\t${v.emptyDir.sizeLimit ?? "<unset>"}\n`;
  else if (v.configMap) out += `    Type:\tConfigMap (a volume populated by a ConfigMap)\n    Name:\t${v.configMap.name}\n    Optional:\t${!!v.configMap.optional}\n`;
  else if (v.secret) out += `    Type:\tSecret (a volume populated by a Secret)\n    SecretName:\t${v.secret.secretName}\n    Optional:\t${!!v.secret.optional}\n`;
  else if (v.hostPath) out += `    Type:\tHostPath (bare host directory volume)\n    Path:\t${v.hostPath.path}\n    HostPathType:\t${v.hostPath.type ?? ""}\n`;
  else if (v.persistentVolumeClaim) out += `    Type:\tPersistentVolumeClaim (a reference to a PersistentVolumeClaim in the same namespace)\n    ClaimName:\t${v.persistentVolumeClaim.claimName}\n    ReadOnly:\t${!!v.persistentVolumeClaim.readOnly}\n`;
  return out;
}

/** The lines under `Pod Template:` (kubectl writes the title itself before them). */
export function podTemplateText(t: any): string {
  if (!t) return "  <unset>";
  const spec = t.spec ?? {};
  let out = labelsMultiline("  Labels", t.metadata?.labels);
  if (sortedKeys(t.metadata?.annotations).length) out += annotationsMultiline("  Annotations", t.metadata.annotations);
  if (spec.serviceAccountName) out += `  Service Account:\t${spec.serviceAccountName}\n`;
  if (spec.initContainers?.length) out += `  Init Containers:\n${spec.initContainers.map(container).join("")}`;
  out += `  Containers:\n${(spec.containers ?? []).map(container).join("")}`;
  out += spec.volumes?.length ? `  Volumes:\n${spec.volumes.map(volume).join("")}` : "  Volumes:\t<none>\n";
  if (spec.priorityClassName) out += `  Priority Class Name:\t${spec.priorityClassName}\n`;
  out += labelsMultiline("  Node-Selectors", spec.nodeSelector);
  out += tolerations(spec.tolerations);
  return out;
}
