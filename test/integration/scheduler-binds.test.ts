/**
 * How the scheduler's binds share their slots: a bind's slot is free once the binding is
 * committed, not once its Scheduled Event is. The control plane here is not started, so the
 * scheduler under test is the only one.
 */
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openSqliteStore } from "../../src/store/index.ts";
import { createControlPlane } from "../../src/server/control-plane.ts";
import { controllerContext } from "../../src/controllers/framework/context.ts";
import type { EventRecorder } from "../../src/controllers/framework/events.ts";
import { startScheduler } from "../../src/scheduler/scheduler.ts";

const dir = mkdtempSync(join(tmpdir(), "k3rs-binds-"));
const store = openSqliteStore({ path: join(dir, "state.db") });
const stop = new AbortController();
afterAll(async () => {
  stop.abort();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

test("an Event that never gets written does not hold up the next bind", async () => {
  const cp = await createControlPlane({ store, serviceCidr: "10.43.0.0/16", advertiseAddress: "127.0.0.1:6443", nodeIp: "127.0.0.1", ready: () => true });
  const def = (plural: string) => cp.registry.find("", "v1", plural)!;
  const reported: string[] = [];
  // A recorder whose writes never finish (an Event store that stalls).
  const stalled: EventRecorder = {
    record: (obj, _type, reason) => {
      reported.push(`${reason} ${obj.metadata.name}`);
      return new Promise<void>(() => {});
    },
  };
  const ctx = controllerContext({ storage: cp.storage, registry: cp.registry, signal: stop.signal, events: stalled });
  void startScheduler({ ctx, maxBindsInFlight: 1 });

  await cp.storage.create(def("namespaces"), undefined, { apiVersion: "v1", kind: "Namespace", metadata: { name: "binds" } });
  const allocatable = { cpu: "4", memory: "8Gi", pods: "110" };
  await cp.storage.create(def("nodes"), undefined, { apiVersion: "v1", kind: "Node", metadata: { name: "n1" }, status: { capacity: allocatable, allocatable } });
  for (const name of ["first", "second", "third"]) {
    await cp.storage.create(def("pods"), "binds", { apiVersion: "v1", kind: "Pod", metadata: { name }, spec: { containers: [{ name: "c", image: "busybox" }] } });
  }
  const nodeOf = async (name: string) => (await cp.storage.tryGet(def("pods"), "binds", name))?.spec?.nodeName;
  const deadline = Date.now() + 5000;
  while ((await Promise.all(["first", "second", "third"].map(nodeOf))).some((n) => n !== "n1") && Date.now() < deadline) await Bun.sleep(20);
  expect(await Promise.all(["first", "second", "third"].map(nodeOf))).toEqual(["n1", "n1", "n1"]);
  expect(reported.sort()).toEqual(["Scheduled first", "Scheduled second", "Scheduled third"]);
});
