/**
 * The cluster zone in memory, fed object by object (an informer's add/update/delete) and
 * answering from maps, never from the API. A change recomputes only the records of the object
 * it touches (a Service with its EndpointSlices, one Pod, one Node) and bumps `generation`
 * only when a record actually changed, so the response cache survives Pod status churn.
 *
 * ```ts
 * const store = new ClusterDnsStore({ dnsServiceIp: "10.43.0.10" });
 * store.apply(service); store.apply(endpointSlice);
 * store.lookup("web.default.svc.cluster.local", T.A); // { rcode: 0, answers: [...] }
 * ```
 */
import { isIPv4, isIPv6 } from "node:net";
import type { KubeObject } from "../../model/object.ts";
import { normalizeName, undashIp } from "./names.ts";
import { nodeRecords, podFqdn, podIPs, serviceRecords, SERVICE_NAME_LABEL, type RecordContext } from "./object-records.ts";
import { reverseName } from "./names.ts";
import { RCODE, recordKey, T, type DnsRecord, type SoaRecord, type ZoneAnswer } from "./records.ts";

export interface ClusterDnsStoreOptions {
  /** Cluster domain; default `cluster.local`. */
  domain?: string;
  /** TTL of cluster records and of the SOA's negative TTL; default 5 s as CoreDNS's kubernetes plugin. */
  ttl?: number;
  /** TTL of node-name records; default 60 s as K3s's NodeHosts. */
  nodeTtl?: number;
  /** The DNS Service IP, answered for `ns.dns.<zone>` (the zone's NS); default none. */
  dnsServiceIp?: string;
  /**
   * `a-b-c-d.<ns>.pod.<zone>`: "insecure" answers any such name (K3s's Corefile `pods
   * insecure`), "verified" only for a pod with that IP in that namespace, "disabled" never.
   */
  pods?: "insecure" | "verified" | "disabled";
  /** Clock for the SOA serial (seconds since the epoch of the last change). */
  now?: () => number;
}

/** The kinds the cluster DNS is fed (EndpointSlice from discovery.k8s.io/v1). */
export type DnsSourceKind = "Service" | "EndpointSlice" | "Pod" | "Node";

export interface StoreChange {
  generation: number;
  /** Names outside the cluster zone changed (node names): forwarded answers may be stale too. */
  outsideZone: boolean;
  /** PTR records changed: forwarded reverse lookups (unknown IPs fall through) may be stale. */
  reverse: boolean;
}

const MAX_CNAME_CHAIN = 8;

export class ClusterDnsStore {
  readonly domain: string;
  readonly ttl: number;
  private readonly nodeTtl: number;
  private readonly dnsServiceIp?: string;
  private readonly podsMode: "insecure" | "verified" | "disabled";
  private readonly now: () => number;
  private readonly ctx: RecordContext;
  /** Bumped on every effective change; caches compare against it. */
  generation = 0;
  private serial: number;

  private readonly services = new Map<string, KubeObject>();
  /** service key → slice name → slice */
  private readonly slices = new Map<string, Map<string, KubeObject>>();
  /** slice key → the service key it was filed under (its label may change or vanish). */
  private readonly sliceService = new Map<string, string>();

  private readonly byName = new Map<string, DnsRecord[]>();
  private readonly owned = new Map<string, { records: DnsRecord[]; names: string[]; fingerprint: string }>();
  /** Names that exist (own records, are a Service, or are an ancestor of one inside the zone), refcounted. */
  private readonly existing = new Map<string, number>();
  /** reverse name → pod name, used only when no Service or Node names the IP. */
  private readonly podPtr = new Map<string, { key: string; domain: string }[]>();
  /** `<ns>/<ip>` of running pods, for `pods verified`. */
  private readonly podIps = new Map<string, number>();
  private readonly podState = new Map<string, string[]>();
  private readonly listeners = new Set<(c: StoreChange) => void>();

  constructor(o: ClusterDnsStoreOptions = {}) {
    this.domain = normalizeName(o.domain ?? "cluster.local");
    this.ttl = o.ttl ?? 5;
    this.nodeTtl = o.nodeTtl ?? 60;
    this.dnsServiceIp = o.dnsServiceIp;
    this.podsMode = o.pods ?? "insecure";
    this.now = o.now ?? (() => Math.floor(Date.now() / 1000));
    this.ctx = { domain: this.domain, ttl: this.ttl };
    this.serial = this.now();
    for (const n of [`svc.${this.domain}`, `pod.${this.domain}`]) this.existing.set(n, 1);
  }

  /** Subscribe to effective changes; returns the unsubscribe function. */
  onChange(fn: (c: StoreChange) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** An object was added or updated (Service, EndpointSlice, Pod, Node; other kinds are ignored). */
  apply(obj: KubeObject): void {
    this.handle(obj, false, obj.kind);
  }

  /** An object was deleted. */
  delete(obj: KubeObject): void {
    this.handle(obj, true, obj.kind);
  }

  /**
   * Handlers for one kind's informer, in the shape of the client informer's handler
   * (`onChange`/`onDelete`; a relist's removals arrive as deletes). The kind comes from here,
   * since watch events do not always carry it on the object.
   *
   * @example new ClientInformer(rest, { path: "/api/v1/services", signal }, store.handlerFor("Service"))
   */
  handlerFor(kind: DnsSourceKind): { onChange(obj: KubeObject): void; onDelete(obj: KubeObject): void } {
    return { onChange: (obj) => this.handle(obj, false, kind), onDelete: (obj) => this.handle(obj, true, kind) };
  }

  private handle(obj: KubeObject, deleted: boolean, kind: string): void {
    const ns = obj.metadata?.namespace ?? "default";
    const name = obj.metadata?.name;
    if (!name) return;
    switch (kind) {
      case "Service": {
        const key = `${ns}/${name}`;
        if (deleted) this.services.delete(key);
        else this.services.set(key, obj);
        this.syncService(key);
        return;
      }
      case "EndpointSlice": {
        const sliceKey = `${ns}/${name}`;
        const before = this.sliceService.get(sliceKey);
        if (before) {
          this.slices.get(before)?.delete(name);
          this.sliceService.delete(sliceKey);
        }
        const svcName = obj.metadata.labels?.[SERVICE_NAME_LABEL];
        const after = svcName ? `${ns}/${svcName}` : undefined;
        if (!deleted && after) {
          let m = this.slices.get(after);
          if (!m) this.slices.set(after, (m = new Map()));
          m.set(name, obj);
          this.sliceService.set(sliceKey, after);
        }
        if (before && before !== after) this.syncService(before);
        if (after) this.syncService(after);
        return;
      }
      case "Pod":
        this.syncPod(`${ns}/${name}`, ns, deleted ? [] : podIPs(obj));
        return;
      case "Node":
        this.replace(`node/${name}`, deleted ? [] : nodeRecords(obj, this.nodeTtl), [], true);
        return;
    }
  }

  private syncService(key: string): void {
    const svc = this.services.get(key);
    if (!svc) {
      this.replace(`svc/${key}`, [], [], false);
      if (!this.slices.get(key)?.size) this.slices.delete(key);
      return;
    }
    const records = serviceRecords(svc, this.slices.get(key)?.values() ?? [], this.ctx);
    const [ns, name] = key.split("/") as [string, string];
    this.replace(`svc/${key}`, records, [`${name}.${ns}.svc.${this.domain}`.toLowerCase()], false);
  }

  private syncPod(key: string, ns: string, ips: string[]): void {
    const old = this.podState.get(key) ?? [];
    if (old.join() === ips.join()) return;
    for (const ip of old) {
      const k = `${ns}/${ip}`;
      const n = (this.podIps.get(k) ?? 1) - 1;
      if (n <= 0) this.podIps.delete(k);
      else this.podIps.set(k, n);
      const rev = reverseName(ip)!;
      const list = (this.podPtr.get(rev) ?? []).filter((p) => p.key !== key);
      if (list.length) this.podPtr.set(rev, list);
      else this.podPtr.delete(rev);
    }
    for (const ip of ips) {
      const k = `${ns}/${ip}`;
      this.podIps.set(k, (this.podIps.get(k) ?? 0) + 1);
      const rev = reverseName(ip)!;
      this.podPtr.set(rev, [...(this.podPtr.get(rev) ?? []), { key, domain: podFqdn(ns, ip, this.domain) }]);
    }
    if (ips.length) this.podState.set(key, ips);
    else this.podState.delete(key);
    this.changed(false, true);
  }

  /** Swap one owner's records and names for new ones; a no-op when nothing differs. */
  private replace(owner: string, records: DnsRecord[], names: string[], outsideZone: boolean): void {
    const fingerprint = `${records.map(recordKey).join("\n")}\n#${names.join(",")}`;
    const old = this.owned.get(owner);
    if ((old?.fingerprint ?? "\n#") === fingerprint) return;
    const allNames = new Set(names);
    for (const r of records) allNames.add(r.name);
    const oldNames = new Set(old?.names);
    if (old) {
      // One pass per name, not per record: a headless Service holds many records at one name.
      const gone = new Set(old.records);
      for (const name of oldNames) {
        const list = this.byName.get(name)?.filter((x) => !gone.has(x)) ?? [];
        if (list.length) this.byName.set(name, list);
        else this.byName.delete(name);
      }
    }
    // Existence changes only for names gained or lost, not for every name the owner keeps.
    for (const n of oldNames) if (!allNames.has(n)) this.release(n);
    for (const n of allNames) if (!oldNames.has(n)) this.hold(n);
    for (const r of records) {
      const list = this.byName.get(r.name);
      if (list) list.push(r);
      else this.byName.set(r.name, [r]);
    }
    if (allNames.size) this.owned.set(owner, { records, names: [...allNames], fingerprint });
    else this.owned.delete(owner);
    const isPtr = (r: DnsRecord) => r.type === T.PTR;
    this.changed(outsideZone, records.some(isPtr) || !!old?.records.some(isPtr));
  }

  /** The name and, inside the zone, each ancestor down to the zone apex (empty non-terminals exist too). */
  private lineage(name: string): string[] {
    if (!this.inZone(name)) return [name];
    const out = [name];
    let n = name;
    while (n !== this.domain) {
      n = n.slice(n.indexOf(".") + 1);
      out.push(n);
    }
    return out;
  }

  private hold(name: string): void {
    for (const n of this.lineage(name)) this.existing.set(n, (this.existing.get(n) ?? 0) + 1);
  }

  private release(name: string): void {
    for (const n of this.lineage(name)) {
      const c = (this.existing.get(n) ?? 1) - 1;
      if (c <= 0) this.existing.delete(n);
      else this.existing.set(n, c);
    }
  }

  private changed(outsideZone: boolean, reverse: boolean): void {
    this.generation++;
    this.serial = Math.max(this.serial + 1, this.now());
    const change = { generation: this.generation, outsideZone, reverse };
    for (const fn of this.listeners) fn(change);
  }

  inZone(name: string): boolean {
    return name === this.domain || name.endsWith(`.${this.domain}`);
  }

  /** The zone's SOA as CoreDNS builds it: ns.dns.<zone>, hostmaster.<zone>, 7200 1800 86400, minimum = TTL. */
  soa(): SoaRecord {
    return {
      name: this.domain,
      type: T.SOA,
      ttl: Math.min(300, this.ttl),
      primary: `ns.dns.${this.domain}`,
      admin: `hostmaster.${this.domain}`,
      serial: this.serial >>> 0,
      refresh: 7200,
      retry: 1800,
      expiration: 86400,
      minimum: this.ttl,
    };
  }

  /**
   * Answers a question about a normalised name, or undefined when the name is not the
   * cluster's (outside the zone and not a node or known IP): the server forwards those.
   */
  lookup(name: string, qtype: number): ZoneAnswer | undefined {
    const answers: DnsRecord[] = [];
    let current = name;
    for (let hop = 0; hop <= MAX_CNAME_CHAIN; hop++) {
      const rrs = this.recordsAt(current);
      if (!rrs) {
        if (hop === 0) return this.missing(name, qtype);
        // A CNAME inside the zone to a name without records: what we have, authoritatively.
        return this.result(name, answers, this.inZone(current) ? RCODE.NXDOMAIN : RCODE.NOERROR);
      }
      const cname = rrs.find((r) => r.type === T.CNAME);
      if (cname && qtype !== T.CNAME && qtype !== T.ANY) {
        answers.push(cname);
        const target = (cname as { domain: string }).domain;
        if (!this.inZone(target) && !this.byName.has(target)) return { ...this.result(name, answers, RCODE.NOERROR), chase: target };
        current = target;
        continue;
      }
      const matching = rrs.filter((r) => r.type === qtype || qtype === T.ANY);
      answers.push(...matching);
      return this.result(name, answers, RCODE.NOERROR);
    }
    return this.result(name, answers, RCODE.NOERROR);
  }

  private recordsAt(name: string): DnsRecord[] | undefined {
    const rrs = this.byName.get(name);
    if (rrs) return rrs;
    const pods = this.podPtr.get(name);
    if (pods) return [{ name, type: T.PTR, ttl: this.ttl, domain: pods[0]!.domain }];
    return undefined;
  }

  private result(qname: string, answers: DnsRecord[], rcode: ZoneAnswer["rcode"]): ZoneAnswer {
    const inZone = this.inZone(qname);
    const additionals: DnsRecord[] = [];
    const seen = new Set<string>();
    for (const a of answers) {
      const target = a.type === T.SRV ? a.target : a.type === T.NS ? a.ns : undefined;
      if (!target || seen.has(target)) continue;
      seen.add(target);
      for (const r of this.byName.get(target) ?? []) if (r.type === T.A || r.type === T.AAAA) additionals.push(r);
    }
    const authority = inZone && (answers.length === 0 || rcode === RCODE.NXDOMAIN) ? [this.soa()] : [];
    return { rcode, authoritative: inZone || answers.length > 0 || rcode === RCODE.NOERROR, answers, authority, additionals };
  }

  /** No records at the name: the apex, ns.dns, pod names, empty non-terminals, or NXDOMAIN inside the zone. */
  private missing(name: string, qtype: number): ZoneAnswer | undefined {
    if (!this.inZone(name)) return undefined;
    const answers: DnsRecord[] = [];
    if (name === this.domain) {
      if (qtype === T.SOA || qtype === T.ANY) answers.push(this.soa());
      if ((qtype === T.NS || qtype === T.ANY) && this.dnsServiceIp) answers.push({ name, type: T.NS, ttl: this.ttl, ns: `ns.dns.${this.domain}` });
      const r = this.result(name, answers, RCODE.NOERROR);
      if (answers.some((a) => a.type === T.NS)) r.additionals.push(...this.nsAddress());
      return r;
    }
    if (name === `ns.dns.${this.domain}` && this.dnsServiceIp) {
      return this.result(name, this.nsAddress().filter((r) => r.type === qtype || qtype === T.ANY), RCODE.NOERROR);
    }
    const pod = this.podAddress(name);
    if (pod) return this.result(name, pod.type === qtype || qtype === T.ANY ? [pod] : [], RCODE.NOERROR);
    if (this.existing.has(name)) return this.result(name, [], RCODE.NOERROR);
    return this.result(name, [], RCODE.NXDOMAIN);
  }

  private nsAddress(): DnsRecord[] {
    const ip = this.dnsServiceIp;
    if (!ip) return [];
    const name = `ns.dns.${this.domain}`;
    return [isIPv6(ip) ? { name, type: T.AAAA, ttl: this.ttl, address: ip } : { name, type: T.A, ttl: this.ttl, address: ip }];
  }

  /** `<dashed-ip>.<ns>.pod.<zone>` → the IP, under the configured pods mode. */
  private podAddress(name: string): DnsRecord | undefined {
    if (this.podsMode === "disabled") return undefined;
    const suffix = `.pod.${this.domain}`;
    if (!name.endsWith(suffix)) return undefined;
    const labels = name.slice(0, -suffix.length).split(".");
    if (labels.length !== 2) return undefined;
    const ip = undashIp(labels[0]!);
    if (!ip) return undefined;
    if (this.podsMode === "verified" && !this.podIps.has(`${labels[1]}/${ip}`)) return undefined;
    return isIPv4(ip) ? { name, type: T.A, ttl: this.ttl, address: ip } : { name, type: T.AAAA, ttl: this.ttl, address: ip };
  }
}
