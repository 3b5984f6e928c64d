/**
 * An in-process API server for integration tests: real SQLite store in a temp dir, the real
 * hono app and admission chain, no TLS. Requests go through `app.fetch` with a peer identity,
 * exactly as the TLS transport would hand them over.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openSqliteStore } from "../../src/store/sqlite.ts";
import { ResourceRegistry } from "../../src/api/resources/registry.ts";
import { ObjectStorage } from "../../src/api/storage/object-storage.ts";
import { namespaceLifecycle } from "../../src/api/admission/namespace-lifecycle.ts";
import { ServiceAllocator, parseCidr } from "../../src/api/admission/service-allocator.ts";
import { objectStoreKey } from "../../src/api/storage/keys.ts";
import { createApi, type Env } from "../../src/api/app.ts";
import { clientCertAuthenticator } from "../../src/api/auth/authenticate.ts";
import { allowAuthenticated } from "../../src/api/auth/authorize.ts";
import { bootstrapObjects } from "../../src/server/bootstrap.ts";
import { kubernetesVersion } from "../../src/version.ts";
import type { Store } from "../../src/store/types.ts";
import { startNamespaceController } from "../../src/controllers/namespace/controller.ts";

export interface TestApi {
  dir: string;
  store: Store;
  storage: ObjectStorage;
  registry: ResourceRegistry;
  /** Authenticated as an admin unless `anonymous` is set. */
  request(method: string, path: string, body?: unknown, init?: { headers?: Record<string, string>; anonymous?: boolean; raw?: string; signal?: AbortSignal }): Promise<Response>;
  json(method: string, path: string, body?: unknown, init?: { headers?: Record<string, string> }): Promise<{ status: number; body: any; headers: Headers }>;
  close(): Promise<void>;
}

const ADMIN: Env["peer"] = { authorized: true, subject: { CN: "system:admin", O: "system:masters" } };

export async function startTestApi(): Promise<TestApi> {
  const dir = mkdtempSync(join(tmpdir(), "k3rs-api-"));
  const store = openSqliteStore({ path: join(dir, "state.db") });
  const registry = new ResourceRegistry();
  const nsDef = registry.find("", "v1", "namespaces")!;
  const allocator = new ServiceAllocator(parseCidr("10.43.0.0/16"));
  const storage = new ObjectStorage({
    store,
    admission: [namespaceLifecycle(async (name) => (await store.get(objectStoreKey(nsDef, undefined, name)))?.object), allocator],
  });
  await bootstrapObjects(storage, registry, { apiPort: 6443, nodeIp: "127.0.0.1" });
  const controllers = new AbortController();
  void startNamespaceController({ storage, registry, signal: controllers.signal, recheckMs: 50 });
  const app = createApi({
    registry,
    storage,
    authenticators: [clientCertAuthenticator],
    authorizer: allowAuthenticated,
    version: kubernetesVersion(),
    advertiseAddress: "127.0.0.1:6443",
    ready: () => true,
  });
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
      controllers.abort();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
