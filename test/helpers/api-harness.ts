/**
 * An in-process API server for integration tests: real SQLite store in a temp dir, the real
 * hono app and admission chain, no TLS. Requests go through `app.fetch` with a peer identity,
 * exactly as the TLS transport would hand them over.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openSqliteStore, type SqliteStoreOptions } from "../../src/store/sqlite.ts";
import type { Store } from "../../src/store/types.ts";
import type { Env } from "../../src/api/app.ts";
import type { ObjectStorage } from "../../src/api/storage/object-storage.ts";
import type { ResourceRegistry } from "../../src/api/resources/registry.ts";
import { createControlPlane } from "../../src/server/control-plane.ts";
import { DEFAULT_CLUSTER_NETWORK } from "../../src/model/cluster-network.ts";
import type { ControllerSettings } from "../../src/controllers/framework/context.ts";
import type { AuditOptions } from "../../src/api/audit/audit-log.ts";
import { RestClient } from "../../src/client/rest-client.ts";

export interface TestApi {
  dir: string;
  store: Store;
  storage: ObjectStorage;
  registry: ResourceRegistry;
  /** The API app itself, for clients that bring their own identity (hollow nodes). */
  app: { fetch(req: Request, env: Env): Response | Promise<Response> };
  /** Authenticated as an admin unless `anonymous` is set. */
  request(method: string, path: string, body?: unknown, init?: { headers?: Record<string, string>; anonymous?: boolean; raw?: string; signal?: AbortSignal }): Promise<Response>;
  json(method: string, path: string, body?: unknown, init?: { headers?: Record<string, string> }): Promise<{ status: number; body: any; headers: Headers }>;
  close(): Promise<void>;
}

const ADMIN: Env["peer"] = { authorized: true, subject: { CN: "system:admin", O: "system:masters" } };

export interface TestApiOptions {
  controllerSettings?: Partial<ControllerSettings>;
  schedulerProfile?: string;
  /** A cluster CA to publish as kube-root-ca.crt: pods then get their service-account token volume, as on a real server. */
  rootCaPem?: string;
  /** An audit log for every request. */
  audit?: AuditOptions;
  /** Writes straight into the store before the control plane starts (objects from an older version or a backup). */
  seed?: (store: Store) => Promise<void>;
  /** Packaged components turned off, as `--disable` (e.g. ["ingress"]). */
  disable?: string[];
  /** The store's quota (`--datastore-quota`); default none. */
  quotaBytes?: number;
  /** The store's WAL sync, replaced (a disk that fails). */
  walSync?: SqliteStoreOptions["walSync"];
}

export async function startTestApi(o: TestApiOptions = {}): Promise<TestApi> {
  const dir = mkdtempSync(join(tmpdir(), "k3rs-api-"));
  const store = openSqliteStore({ path: join(dir, "state.db"), quotaBytes: o.quotaBytes, walSync: o.walSync });
  await o.seed?.(store);
  const cp = await createControlPlane({
    store,
    serviceCidr: "10.43.0.0/16",
    advertiseAddress: "127.0.0.1:6443",
    nodeIp: "127.0.0.1",
    ready: () => true,
    schedulerProfile: o.schedulerProfile,
    rootCaPem: o.rootCaPem,
    audit: o.audit,
    controllerSettings: { namespaceRecheckMs: 50, ...o.controllerSettings },
    network: o.disable ? { ...DEFAULT_CLUSTER_NETWORK, disable: o.disable } : undefined,
  });
  await cp.start(6443);
  const { app, storage, registry } = cp;
  const request: TestApi["request"] = async (method, path, body, init = {}) => {
    const headers: Record<string, string> = { ...(init.headers ?? {}) };
    let payload: string | undefined = init.raw;
    if (body !== undefined && payload === undefined) {
      payload = JSON.stringify(body);
      headers["content-type"] ??= "application/json";
    }
    const req = new Request(`https://k3rs.test${path}`, { method, headers, body: payload, signal: init.signal });
    return app.fetch(req, { peer: init.anonymous ? { authorized: false } : ADMIN, signal: init.signal ?? req.signal });
  };
  return {
    dir,
    store,
    storage,
    registry,
    app,
    request,
    async json(method, path, body, init) {
      const res = await request(method, path, body, init);
      const text = await res.text();
      let parsed: any = text;
      try {
        parsed = JSON.parse(text);
      } catch {}
      return { status: res.status, body: parsed, headers: res.headers };
    },
    async close() {
      await cp.stop();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A REST client into the in-process API as the node `nodeName` (system:node identity), as an agent has. */
export function nodeClientOf(api: TestApi, nodeName: string): RestClient {
  const peer = { authorized: true, subject: { CN: `system:node:${nodeName}`, O: "system:nodes" } };
  return new RestClient({ server: "https://k3rs.test", path: `(node ${nodeName})` }, async (url, init) => api.app.fetch(new Request(url, init), { peer, signal: init.signal ?? undefined }));
}
