/**
 * `k3rs secrets-encrypt status` as K3s prints it (its first three lines and the key table are
 * K3s' words, so scripts that read `Current Rotation Stage:` keep working), then what k3rs
 * adds: the resources, the last re-encryption's progress, its error, and offline the rows per key.
 */
import type { EncryptionStatus } from "../model/encryption-status.ts";

export function formatEncryptionStatus(s: EncryptionStatus, storedValues?: Record<string, number>): string {
  const lines = [
    `Encryption Status: ${s.enable ? "Enabled" : "Disabled"}`,
    `Current Rotation Stage: ${s.stage}`,
    `Server Encryption Hashes: ${s.hashMatch ? "All hashes match" : (s.hashError ?? "hashes do not match")}`,
    "",
    ...columns([
      ["Active", "Key Type", "Name"],
      ["------", "--------", "----"],
      [" *", s.keyType, s.activeKey],
      ...s.inactiveKeys.map((k) => ["", s.keyType, k]),
    ]),
    "",
    `Encrypted Resources: ${s.resources.join(", ")}`,
  ];
  if (s.reencrypt) {
    const r = s.reencrypt;
    lines.push(`Reencryption: ${r.done}/${r.total} values, started ${r.startedAt}${r.finishedAt ? `, finished ${r.finishedAt}` : ""}`);
  }
  if (s.error) lines.push(`Reencryption Error: ${s.error}`);
  if (storedValues) lines.push(`Stored Values: ${Object.entries(storedValues).map(([k, n]) => `${n} with ${k}`).join(", ") || "none"}`);
  return lines.join("\n") + "\n";
}

/** Go's tabwriter with padding 2, as K3s lays the key table out. */
function columns(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]! + 2))).join(""));
}
