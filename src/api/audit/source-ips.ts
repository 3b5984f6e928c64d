/**
 * The Event's sourceIPs as the apiserver fills them (apimachinery's utilnet.SourceIPs): the
 * X-Forwarded-For chain, then X-Real-Ip, then the connection's own address unless it repeats
 * the last one. The headers are the client's word — kept for the reader, trusted by nothing.
 */
import { isIP } from "node:net";

export function sourceIPs(headers: Headers, remote: string | undefined): string[] {
  const ips: string[] = [];
  for (const part of (headers.get("x-forwarded-for") ?? "").split(",")) {
    const ip = part.trim();
    if (isIP(ip)) ips.push(ip);
  }
  const real = headers.get("x-real-ip")?.trim();
  if (real && isIP(real) && !ips.includes(real)) ips.push(real);
  const own = remote?.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, "");
  if (own && ips[ips.length - 1] !== own) ips.push(own);
  return ips;
}
