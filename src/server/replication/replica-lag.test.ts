import { expect, test } from "bun:test";
import { parsePositions, ReplicaLag } from "./replica-lag.ts";

const text = (si: number, ss: number, ri: number, ro: number) => `# HELP x
litestream_replica_wal_index{db="/d",name="s3"} ${ri}
litestream_replica_wal_offset{db="/d",name="s3"} ${ro}
litestream_shadow_wal_index{db="/d"} ${si}
litestream_shadow_wal_size{db="/d"} ${ss}
`;

test("positions come out of Litestream's metrics; none before its first sync", () => {
  expect(parsePositions(text(1, 4096, 0, 8192))).toEqual({ shadow: { index: 1, offset: 4096 }, replica: { index: 0, offset: 8192 } });
  expect(parsePositions("litestream_db_size{db=\"/d\"} 4096\n")).toBeUndefined();
});

test("lag is the age of the oldest shadow position the replica has not reached", () => {
  const lag = new ReplicaLag();
  expect(lag.observe(parsePositions(text(0, 100, 0, 100))!, 0)).toBe(0);
  expect(lag.observe(parsePositions(text(0, 200, 0, 100))!, 1000)).toBe(0);
  expect(lag.observe(parsePositions(text(0, 300, 0, 100))!, 2000)).toBe(1);
  expect(lag.observe(parsePositions(text(0, 300, 0, 200))!, 3000)).toBe(1); // 200 reached, 300 (seen at 2 s) not
  expect(lag.observe(parsePositions(text(1, 50, 0, 300))!, 5000)).toBe(0); // 300 reached; the new index just seen
  expect(lag.observe(parsePositions(text(1, 50, 0, 300))!, 7000)).toBe(2);
  expect(lag.observe(parsePositions(text(1, 50, 1, 50))!, 8000)).toBe(0);
});
