import { afterAll, describe, expect, test } from "bun:test";
import { chmodSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CODE_OFFSET, pauseElf } from "./pause-binary.ts";

describe("pauseElf", () => {
  test.each([
    ["amd64", 62],
    ["arm64", 183],
  ] as const)("%s: ELF64 header and program headers", (arch, machine) => {
    const elf = pauseElf(arch);
    const v = new DataView(elf.buffer, elf.byteOffset, elf.byteLength);
    expect([...elf.subarray(0, 7)]).toEqual([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]);
    expect(v.getUint16(16, true)).toBe(2); // ET_EXEC
    expect(v.getUint16(18, true)).toBe(machine);
    expect(v.getBigUint64(24, true)).toBe(BigInt(0x400000 + CODE_OFFSET)); // entry
    expect(v.getBigUint64(32, true)).toBe(64n); // phoff
    expect(v.getUint16(52, true)).toBe(64);
    expect(v.getUint16(54, true)).toBe(56);
    expect(v.getUint16(56, true)).toBe(2);
    expect(v.getUint16(60, true)).toBe(0); // no sections

    // PT_LOAD, R+X, the whole file at 0x400000.
    expect(v.getUint32(64, true)).toBe(1);
    expect(v.getUint32(68, true)).toBe(5);
    expect(v.getBigUint64(72, true)).toBe(0n);
    expect(v.getBigUint64(80, true)).toBe(0x400000n);
    expect(v.getBigUint64(96, true)).toBe(BigInt(elf.length));
    expect(v.getBigUint64(104, true)).toBe(BigInt(elf.length));
    // PT_GNU_STACK, RW: a non-executable stack.
    expect(v.getUint32(120, true)).toBe(0x6474e551);
    expect(v.getUint32(124, true)).toBe(6);
  });

  test("amd64 code is pause in a loop", () => {
    const code = [...pauseElf("amd64").subarray(CODE_OFFSET)];
    expect(code).toEqual([0xb8, 0x22, 0, 0, 0, 0x0f, 0x05, 0xeb, 0xf7]);
  });

  test("arm64 code ends with svc and a branch back to the start", () => {
    const elf = pauseElf("arm64");
    const v = new DataView(elf.buffer, elf.byteOffset + CODE_OFFSET);
    expect(v.byteLength).toBe(28);
    expect(v.getUint32(16, true)).toBe(0xd2800928); // mov x8, #73 (ppoll)
    expect(v.getUint32(20, true)).toBe(0xd4000001); // svc #0
    expect(v.getUint32(24, true)).toBe(0x17fffffa); // b -24 bytes
  });

  test("the same bytes every time", () => {
    expect(pauseElf("amd64")).toEqual(pauseElf("amd64"));
  });
});

describe.skipIf(process.arch !== "x64" || process.platform !== "linux")("pause on this machine", () => {
  const dir = mkdtempSync(join(tmpdir(), "k3rs-pause-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("blocks (sleeping, not spinning) until SIGKILL", async () => {
    const path = join(dir, "pause");
    await Bun.write(path, pauseElf("amd64"));
    chmodSync(path, 0o755);
    const proc = Bun.spawn([path], { stdio: ["ignore", "ignore", "ignore"] });
    try {
      await Bun.sleep(200);
      expect(proc.exitCode).toBeNull();
      // Field 3 of /proc/PID/stat is the state: S = interruptible sleep, inside pause().
      const stat = readFileSync(`/proc/${proc.pid}/stat`, "utf8");
      expect(stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3)).toBe("S");
    } finally {
      process.kill(proc.pid, "SIGKILL");
    }
    await proc.exited;
    expect(proc.signalCode).toBe("SIGKILL");
  });
});
