/** Service, Endpoints, EndpointSlice, Ingress and NetworkPolicy printers. */
import type { Printer } from "./types.ts";
import { ageColumn, col, nameColumn, wide } from "./columns.ts";
import { since } from "./human-duration.ts";
import { formatLabelSelector, formatLabels, joinHostPort, listWithMore } from "./format.ts";

/** Distinct load-balancer ingress IPs (else hostnames), sorted — Go's sets.String.List(). */
function loadBalancerAddresses(status: any): string[] {
  const set = new Set<string>();
  for (const ing of status?.loadBalancer?.ingress ?? []) {
    if (ing.ip) set.add(ing.ip);
    else if (ing.hostname) set.add(ing.hostname);
  }
  return [...set].sort();
}

// The server renders tables as `-o wide` (all columns), so addresses are never clipped here.
function serviceExternalIP(svc: any): string {
  const spec = svc.spec ?? {};
  const externalIPs: string[] = spec.externalIPs ?? [];
  switch (spec.type ?? "ClusterIP") {
    case "ClusterIP":
    case "NodePort":
      return externalIPs.length > 0 ? externalIPs.join(",") : "<none>";
    case "LoadBalancer": {
      const lb = loadBalancerAddresses(svc.status);
      if (externalIPs.length > 0) return [...lb, ...externalIPs].join(",");
      return lb.length > 0 ? lb.join(",") : "<pending>";
    }
    case "ExternalName":
      return spec.externalName ?? "";
  }
  return "<unknown>";
}

function servicePorts(ports: any[] | undefined): string {
  const text = (ports ?? [])
    .map((p) => (p.nodePort > 0 ? `${p.port}:${p.nodePort}/${p.protocol ?? "TCP"}` : `${p.port}/${p.protocol ?? "TCP"}`))
    .join(",");
  return text === "" ? "<none>" : text;
}

export const servicePrinter: Printer = {
  columns: [
    nameColumn,
    col("Type", "type determines how the Service is exposed."),
    col("Cluster-IP", "clusterIP is the IP address of the service and is usually assigned randomly."),
    col("External-IP", "externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service."),
    col("Port(s)", "The list of ports that are exposed by this service."),
    ageColumn,
    wide("Selector", "Route service traffic to pods with label keys and values matching this selector."),
  ],
  cells(svc, now) {
    const spec = svc.spec ?? {};
    const clusterIP: string = spec.clusterIPs?.[0] ?? spec.clusterIP ?? "<none>";
    return [
      svc.metadata.name ?? "",
      spec.type ?? "ClusterIP",
      clusterIP || "<none>",
      serviceExternalIP(svc),
      servicePorts(spec.ports),
      since(svc.metadata.creationTimestamp, now),
      formatLabels(spec.selector),
    ];
  },
};

/** Up to three `ip:port` endpoints then " + N more..." (the printers' `formatEndpoints`). */
export function formatEndpoints(obj: any): string {
  const subsets: any[] = obj.subsets ?? [];
  if (subsets.length === 0) return "<none>";
  const list: string[] = [];
  let total = 0;
  for (const ss of subsets) {
    const addresses: any[] = ss.addresses ?? [];
    const ports: any[] = ss.ports ?? [];
    if (ports.length === 0) {
      // Headless services may have no ports.
      total += addresses.length;
      for (const a of addresses) list.push(a.ip);
      continue;
    }
    for (const p of ports) {
      total += addresses.length;
      for (const a of addresses) list.push(joinHostPort(a.ip, p.port));
    }
  }
  return listWithMore(list, 3, total);
}

export const endpointsPrinter: Printer = {
  columns: [nameColumn, col("Endpoints", "The set of all endpoints is the union of all subsets."), ageColumn],
  cells(obj, now) {
    return [obj.metadata.name ?? "", formatEndpoints(obj), since(obj.metadata.creationTimestamp, now)];
  },
};

function orUnset(s: string): string {
  return s === "" ? "<unset>" : s;
}

export const endpointSlicePrinter: Printer = {
  columns: [
    nameColumn,
    col("AddressType", "addressType specifies the type of address carried by this EndpointSlice."),
    col("Ports", "ports specifies the list of network ports exposed by each endpoint in this slice."),
    col("Endpoints", "endpoints is a list of unique endpoints in this slice."),
    ageColumn,
  ],
  cells(obj, now) {
    const ports: any[] = obj.ports ?? [];
    const portText = ports.map((p) => (typeof p.port === "number" ? String(p.port) : p.name != null ? String(p.name) : "*"));
    const addresses: string[] = (obj.endpoints ?? []).flatMap((e: any) => e.addresses ?? []);
    return [
      obj.metadata.name ?? "",
      obj.addressType ?? "",
      orUnset(listWithMore(portText, 3)),
      orUnset(listWithMore(addresses, 3)),
      since(obj.metadata.creationTimestamp, now),
    ];
  },
};

/** First three non-empty hosts; " + N more..." counts every rule past the third (as Kubernetes does). */
function ingressHosts(rules: any[] | undefined): string {
  const all = rules ?? [];
  const list: string[] = [];
  let more = false;
  for (const r of all) {
    if (list.length === 3) more = true;
    if (!more && r.host) list.push(r.host);
  }
  if (list.length === 0) return "*";
  return more ? `${list.join(",")} + ${all.length - 3} more...` : list.join(",");
}

export const ingressPrinter: Printer = {
  columns: [
    nameColumn,
    col("Class", "The name of the IngressClass resource that should be used for additional configuration"),
    col("Hosts", "Hosts that incoming requests are matched against before the ingress rule"),
    col("Address", "Address is a list containing ingress points for the load-balancer"),
    col("Ports", "Ports of TLS configurations that open"),
    ageColumn,
  ],
  cells(obj, now) {
    const spec = obj.spec ?? {};
    return [
      obj.metadata.name ?? "",
      spec.ingressClassName ?? "<none>",
      ingressHosts(spec.rules),
      loadBalancerAddresses(obj.status).join(","),
      (spec.tls ?? []).length > 0 ? "80, 443" : "80",
      since(obj.metadata.creationTimestamp, now),
    ];
  },
};

/** Kubernetes' IngressClass columns; Parameters reads `Kind.group/name` as kubectl prints it. */
export const ingressClassPrinter: Printer = {
  columns: [nameColumn, col("Controller", "Controller that is responsible for handling this class"), col("Parameters", "A reference to a resource with additional parameters"), ageColumn],
  cells(obj, now) {
    const p = obj.spec?.parameters;
    const params = p?.kind && p?.name ? `${p.kind}${p.apiGroup ? `.${p.apiGroup}` : ""}/${p.name}` : "<none>";
    return [obj.metadata.name ?? "", obj.spec?.controller ?? "", params, since(obj.metadata.creationTimestamp, now)];
  },
};

export const networkPolicyPrinter: Printer = {
  columns: [nameColumn, col("Pod-Selector", "Selects the pods to which this NetworkPolicy object applies."), ageColumn],
  cells(obj, now) {
    return [obj.metadata.name ?? "", formatLabelSelector(obj.spec?.podSelector ?? {}), since(obj.metadata.creationTimestamp, now)];
  },
};
