/**
 * Key rotation benchmark: `secrets-encrypt rotate-keys`' pass over N Secrets of ≈ 1 KB in a
 * store on disk (synchronous=FULL, as the server runs it), alone and with one writer updating
 * Secrets back to back meanwhile. Prints the pass time, values/s, and the writer's update
 * latency (p50/p99/max) during the pass against the same writer without a pass. No thresholds.
 *
 *   bun bench/secrets-rotation.ts [secrets, default 5000]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openSqliteStore } from "../src/store/sqlite.ts";
import { AesGcmTransformer } from "../src/store/value-encryption.ts";
import { KeyRotation } from "../src/server/key-rotation.ts";

const n = Number(process.argv[2] ?? 5000);
const dir = mkdtempSync(join(tmpdir(), "k3rs-bench-rotation-"));
const secret = (i: number, v: number) =>
  ({ apiVersion: "v1", kind: "Secret", metadata: { name: `s${i}`, namespace: "bench", uid: `uid-${i}` }, type: "Opaque", data: { v: Buffer.from(`${v}`.padEnd(700, "x")).toString("base64") } }) as any;
const pct = (xs: number[], p: number) => xs.sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))]!.toFixed(1);

try {
  const transformer = new AesGcmTransformer(["/secrets/"], [{ name: "k0", secret: Buffer.alloc(32, 1) }]);
  const store = openSqliteStore({ path: join(dir, "state.db"), transformer });
  for (let i = 0; i < n; i += 1000) await Promise.all(Array.from({ length: Math.min(1000, n - i) }, (_, j) => store.create(`/secrets/bench/s${i + j}`, secret(i + j, 0))));
  const rotation = new KeyRotation({ transformer, keys: [{ name: "k0", secret: Buffer.alloc(32, 1) }], resources: ["secrets"], store, persist: () => {} });

  const writer = async (until: () => boolean) => {
    const ms: number[] = [];
    for (let round = 1; !until(); round++) {
      const t = performance.now();
      await store.update(`/secrets/bench/s${(round * 7919) % n}`, secret(round, round));
      ms.push(performance.now() - t);
    }
    return ms;
  };

  let t0 = performance.now();
  rotation.rotateKeys();
  await rotation.settled();
  const alone = performance.now() - t0;
  console.log(`rotate-keys, ${n} secrets, no other writes: ${alone.toFixed(0)} ms (${((n / alone) * 1000).toFixed(0)} values/s)`);

  const quietUntil = performance.now() + 1000;
  const quiet = await writer(() => performance.now() > quietUntil);
  console.log(`one writer, no pass: ${quiet.length} updates/s, latency p50 ${pct(quiet, 50)} ms, p99 ${pct(quiet, 99)} ms`);

  let done = false;
  t0 = performance.now();
  rotation.rotateKeys();
  const busy = writer(() => done);
  await rotation.settled();
  const withWriter = performance.now() - t0;
  done = true;
  const lat = await busy;
  const s = rotation.status();
  console.log(`rotate-keys, ${n} secrets, one writer meanwhile: ${withWriter.toFixed(0)} ms (${s.reencrypt!.done}/${s.reencrypt!.total} values, stage ${s.stage}); writer: ${lat.length} updates, latency p50 ${pct(lat, 50)} ms, p99 ${pct(lat, 99)} ms, max ${Math.max(...lat).toFixed(1)} ms`);
  await store.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
