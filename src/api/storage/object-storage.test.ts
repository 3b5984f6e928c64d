import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { openSqliteStore } from "../../store/sqlite.ts";
import type { Store } from "../../store/types.ts";
import { ResourceRegistry } from "../resources/registry.ts";
import { ObjectStorage, planDeletion } from "./object-storage.ts";
import { StatusError } from "../../model/errors.ts";

const registry = new ResourceRegistry();
const configmaps = registry.find("", "v1", "configmaps")!;
const pods = registry.find("", "v1", "pods")!;

let store: Store;
beforeEach(() => {
  store = openSqliteStore({ path: ":memory:", durable: false });
});
afterEach(async () => {
  await store.close();
});

/** A name generator that hands out the given names in order. */
function names(...list: string[]) {
  let i = 0;
  const used: string[] = [];
  return {
    used,
    generate: (base: string) => {
      const n = base + list[Math.min(i++, list.length - 1)]!;
      used.push(n);
      return n;
    },
  };
}

const generated = (base: string) => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { generateName: base }, data: {} });

describe("generateName", () => {
  test("a generated name that is taken is generated again (RetryGenerateName)", async () => {
    const gen = names("aaaaa", "aaaaa", "aaaaa", "bbbbb");
    const storage = new ObjectStorage({ store, admission: [], generateName: gen.generate });
    expect((await storage.create(configmaps, "default", generated("cm-"))).metadata.name).toBe("cm-aaaaa");
    expect((await storage.create(configmaps, "default", generated("cm-"))).metadata.name).toBe("cm-bbbbb");
    expect(gen.used).toEqual(["cm-aaaaa", "cm-aaaaa", "cm-aaaaa", "cm-bbbbb"]);
  });

  test("after 8 taken names the create fails with AlreadyExists", async () => {
    const gen = names("aaaaa");
    const storage = new ObjectStorage({ store, admission: [], generateName: gen.generate });
    await storage.create(configmaps, "default", generated("cm-"));
    const err = await storage.create(configmaps, "default", generated("cm-")).catch((e) => e);
    expect(err).toBeInstanceOf(StatusError);
    expect((err as StatusError).reason).toBe("AlreadyExists");
    expect(gen.used).toHaveLength(1 + 8);
  });

  test("a name given by the client is never replaced", async () => {
    const gen = names("aaaaa");
    const storage = new ObjectStorage({ store, admission: [], generateName: gen.generate });
    const mine = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "mine", generateName: "cm-" } };
    await storage.create(configmaps, "default", mine);
    expect(((await storage.create(configmaps, "default", mine).catch((e) => e)) as StatusError).reason).toBe("AlreadyExists");
    expect(gen.used).toEqual([]);
  });
});

describe("paginated lists", () => {
  test("every page is served at the first page's resourceVersion", async () => {
    const storage = new ObjectStorage({ store, admission: [] });
    for (const n of ["a", "b", "c", "d"]) await storage.create(configmaps, "default", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: n }, data: { v: "1" } });
    const p1 = await storage.list(configmaps, "default", { limit: 2 });
    await storage.update(configmaps, "default", "c", (cm) => ({ ...cm, data: { v: "2" } }));
    await storage.delete(configmaps, "default", "d");
    await storage.create(configmaps, "default", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "e" } });
    const p2 = await storage.list(configmaps, "default", { limit: 2, continueToken: p1.metadata.continue });
    expect(p2.metadata.resourceVersion).toBe(p1.metadata.resourceVersion);
    expect(p2.items.map((i) => [i.metadata.name, i.data?.v])).toEqual([["c", "1"], ["d", "1"]]);
    expect(p2.metadata.continue).toBeUndefined();
  });
});

test("a grace period beyond any date stops at year 9999", () => {
  const pod = { apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: { nodeName: "n1" }, status: { phase: "Running" } };
  const plan = planDeletion(pods, pod, { gracePeriodSeconds: 9e18 }, new Date());
  expect(plan.object?.metadata.deletionTimestamp).toBe("9999-12-31T23:59:59Z");
});
