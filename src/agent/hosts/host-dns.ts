/**
 * Resolver settings for pods until cluster DNS runs on the node: the host's own nameservers
 * and search domains (dnsPolicy Default), so names outside the cluster still resolve.
 */
import { existsSync, readFileSync } from "node:fs";

export function hostDns(path = "/etc/resolv.conf"): { servers: string[]; searches: string[]; options: string[] } {
  const out = { servers: [] as string[], searches: [] as string[], options: [] as string[] };
  if (!existsSync(path)) return out;
  for (const line of readFileSync(path, "utf8").split("\n")) {
    const [key, ...rest] = line.trim().split(/\s+/);
    if (key === "nameserver" && rest[0] && !rest[0].startsWith("127.")) out.servers.push(rest[0]);
    else if (key === "search" || key === "domain") out.searches.push(...rest);
    else if (key === "options") out.options.push(...rest);
  }
  return out;
}
