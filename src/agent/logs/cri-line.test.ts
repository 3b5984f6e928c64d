import { describe, expect, test } from "bun:test";
import { isPartialRecord, parseCriRecord, parseCriTime } from "./cri-line.ts";

const rec = (s: string) => parseCriRecord(Buffer.from(s));

describe("CRI log records", () => {
  test("a full stdout line keeps its newline; the time is printed with nine digits", () => {
    const r = rec("2024-05-01T10:00:00.1234Z stdout F hello world\n")!;
    expect(r.stream).toBe("stdout");
    expect(r.partial).toBe(false);
    expect(r.content.toString()).toBe("hello world\n");
    expect(r.timestamp).toBe("2024-05-01T10:00:00.123400000Z");
    expect(r.time).toBe(BigInt(Date.UTC(2024, 4, 1, 10)) * 1_000_000n + 123_400_000n);
  });

  test("a partial piece loses its newline; later tags are ignored", () => {
    const r = rec("2024-05-01T10:00:00.000000001Z stderr P:x first half\n")!;
    expect(r).toMatchObject({ stream: "stderr", partial: true });
    expect(r.content.toString()).toBe("first half");
    expect(isPartialRecord(Buffer.from("2024-05-01T10:00:00Z stderr P:x first half\n"))).toBe(true);
    expect(isPartialRecord(Buffer.from("2024-05-01T10:00:00Z stdout F P\n"))).toBe(false);
  });

  test("an empty message and a message with spaces", () => {
    expect(rec("2024-05-01T10:00:00Z stdout F \n")!.content.toString()).toBe("\n");
    expect(rec("2024-05-01T10:00:00Z stdout F  a  b \n")!.content.toString()).toBe(" a  b \n");
  });

  test("a local-time stamp (containerd writes its own zone) converts to the epoch and keeps its zone", () => {
    const t = parseCriTime("2024-05-01T12:00:00.5+02:00")!;
    expect(t.ns).toBe(BigInt(Date.UTC(2024, 4, 1, 10)) * 1_000_000n + 500_000_000n);
    expect(t.fixed).toBe("2024-05-01T12:00:00.500000000+02:00");
    expect(parseCriTime("2024-05-01T10:00:00+00:00")!.fixed).toBe("2024-05-01T10:00:00.000000000Z");
  });

  test.each([
    ["no-spaces-at-all\n"],
    ["yesterday stdout F x\n"],
    ["2024-05-01T10:00:00Z stdin F x\n"],
    ["2024-05-01T10:00:00Z stdout\n"],
    ["2024-05-01T10:00:00Z stdout F\n"],
  ])("%j does not parse", (line) => {
    expect(rec(line)).toBeUndefined();
  });
});
