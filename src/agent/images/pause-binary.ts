/**
 * The sandbox ("pause") program, produced by k3rs itself so that no image has to be pulled
 * to run a pod. A sandbox only holds the pod's namespaces open; it never reaps, never reads
 * anything and is stopped with SIGKILL, so the program is a blocking syscall in a loop:
 * a minimal static ELF64 executable assembled here byte by byte (no toolchain, no libc).
 *
 * Layout: ELF header (64 bytes) · PT_LOAD covering the whole file · PT_GNU_STACK (so the
 * kernel gives a non-executable stack) · code. The file is mapped read+execute at 0x400000.
 *
 * @example
 * await Bun.write("/tmp/pause", pauseElf("amd64")); // chmod +x, then it blocks until killed
 */
import type { ImageArch } from "./types.ts";

const BASE = 0x400000;
const EHDR_SIZE = 64;
const PHDR_SIZE = 56;
const PHNUM = 2;
/** Code begins after the headers; 176 keeps it 8-byte aligned (aarch64 needs 4). */
export const CODE_OFFSET = EHDR_SIZE + PHNUM * PHDR_SIZE;

const EM_X86_64 = 62;
const EM_AARCH64 = 183;
const PT_LOAD = 1;
const PT_GNU_STACK = 0x6474e551;
const PF_X = 1;
const PF_W = 2;
const PF_R = 4;

/**
 * x86_64: `pause` (syscall 34) returns only after a signal handler ran; loop anyway so a
 * stray ignored signal never lets the sandbox exit.
 *   0: b8 22 00 00 00   mov eax, 34
 *   5: 0f 05            syscall
 *   7: eb f7            jmp 0
 */
const AMD64_CODE = [0xb8, 0x22, 0x00, 0x00, 0x00, 0x0f, 0x05, 0xeb, 0xf7];

/**
 * aarch64 has no `pause`; `ppoll(NULL, 0, NULL, NULL)` (syscall 73) blocks forever. The
 * arguments are reset each round because the syscall's return value lands in x0.
 */
const ARM64_CODE = [
  0xd2800000, // mov x0, #0
  0xd2800001, // mov x1, #0
  0xd2800002, // mov x2, #0
  0xd2800003, // mov x3, #0
  0xd2800928, // mov x8, #73 (ppoll)
  0xd4000001, // svc #0
  0x17fffffa, // b -6 instructions (back to the first mov)
];

function code(arch: ImageArch): Uint8Array {
  if (arch === "amd64") return Uint8Array.from(AMD64_CODE);
  const out = new Uint8Array(ARM64_CODE.length * 4);
  const view = new DataView(out.buffer);
  ARM64_CODE.forEach((word, i) => view.setUint32(i * 4, word, true));
  return out;
}

/** The pause executable for `arch`, as the bytes of a file to mark executable. */
export function pauseElf(arch: ImageArch): Uint8Array {
  const body = code(arch);
  const size = CODE_OFFSET + body.length;
  const out = new Uint8Array(size);
  const v = new DataView(out.buffer);
  const u64 = (off: number, n: number) => v.setBigUint64(off, BigInt(n), true);

  // e_ident: magic, ELFCLASS64, little-endian, EV_CURRENT, System V ABI.
  out.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0], 0);
  v.setUint16(16, 2, true); // e_type ET_EXEC
  v.setUint16(18, arch === "amd64" ? EM_X86_64 : EM_AARCH64, true);
  v.setUint32(20, 1, true); // e_version
  u64(24, BASE + CODE_OFFSET); // e_entry
  u64(32, EHDR_SIZE); // e_phoff
  u64(40, 0); // e_shoff: no sections
  v.setUint32(48, 0, true); // e_flags
  v.setUint16(52, EHDR_SIZE, true);
  v.setUint16(54, PHDR_SIZE, true);
  v.setUint16(56, PHNUM, true);
  v.setUint16(58, 64, true); // e_shentsize
  v.setUint16(60, 0, true); // e_shnum
  v.setUint16(62, 0, true); // e_shstrndx

  const load = EHDR_SIZE;
  v.setUint32(load, PT_LOAD, true);
  v.setUint32(load + 4, PF_R | PF_X, true);
  u64(load + 8, 0); // p_offset
  u64(load + 16, BASE); // p_vaddr
  u64(load + 24, BASE); // p_paddr
  u64(load + 32, size); // p_filesz
  u64(load + 40, size); // p_memsz
  // 64 KiB covers every aarch64 page size; 0x400000 is aligned to it.
  u64(load + 48, 0x10000);

  const stack = EHDR_SIZE + PHDR_SIZE;
  v.setUint32(stack, PT_GNU_STACK, true);
  v.setUint32(stack + 4, PF_R | PF_W, true);
  u64(stack + 48, 16);

  out.set(body, CODE_OFFSET);
  return out;
}
