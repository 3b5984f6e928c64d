/**
 * The string formats a CustomResourceDefinition schema may name and the apiserver checks
 * (the JSONSchemaProps `format` documentation lists them); unknown formats are ignored, as
 * there. date-time is type-check.ts's own (built-in kinds use it too).
 */
import { isIP, isIPv4, isIPv6 } from "node:net";

const re = (r: RegExp) => (v: string) => r.test(v);

const DNS1123_SUBDOMAIN = /^(?=.{1,253}$)[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?(\.[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?)*\.?$/;

function cidr(v: string): boolean {
  const slash = v.indexOf("/");
  if (slash < 0) return false;
  const ip = v.slice(0, slash);
  const bits = v.slice(slash + 1);
  if (!/^\d{1,3}$/.test(bits)) return false;
  const max = isIPv4(ip) ? 32 : isIPv6(ip) ? 128 : -1;
  return Number(bits) <= max;
}

function uri(v: string): boolean {
  // Go's url.ParseRequestURI: an absolute URI or an absolute path.
  if (v.startsWith("/")) return true;
  try {
    return new URL(v).protocol.length > 1;
  } catch {
    return false;
  }
}

export const FORMATS: Record<string, (v: string) => boolean> = {
  bsonobjectid: re(/^[0-9a-fA-F]{24}$/),
  uri,
  email: re(/^[^\s@<>]+@[^\s@<>]+$/),
  hostname: re(DNS1123_SUBDOMAIN),
  ipv4: (v) => isIPv4(v),
  ipv6: (v) => isIPv6(v),
  cidr,
  mac: re(/^([0-9a-fA-F]{2}[:-]){5}[0-9a-fA-F]{2}$|^([0-9a-fA-F]{2}[:-]){7}[0-9a-fA-F]{2}$/),
  uuid: re(/^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i),
  uuid3: re(/^[0-9a-f]{8}-?[0-9a-f]{4}-?3[0-9a-f]{3}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i),
  uuid4: re(/^[0-9a-f]{8}-?[0-9a-f]{4}-?4[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$/i),
  uuid5: re(/^[0-9a-f]{8}-?[0-9a-f]{4}-?5[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$/i),
  date: (v) => /^\d{4}-\d{2}-\d{2}$/.test(v) && !Number.isNaN(Date.parse(`${v}T00:00:00Z`)),
  duration: re(/^([+-]?(\d+(\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h|d|w))+$/),
  byte: re(/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/),
  ip: (v) => isIP(v) !== 0,
};
