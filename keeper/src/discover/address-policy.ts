/**
 * Which addresses page discovery may connect to: public unicast only. Private, loopback, link-local,
 * unique-local, carrier-grade NAT, multicast, reserved and the IPv6 forms that embed an IPv4 address
 * (IPv4-mapped, NAT64, 6to4, Teredo) are refused, unless the exact address is in the allow-list (the local
 * system's demo site on 127.0.0.1). ipaddr.js classifies the ranges.
 */
import ipaddr from "ipaddr.js";

/** Whether discovery may connect to `address` (an IP literal), given the allow-list of exact addresses. */
export function mayConnect(address: string, allow: ReadonlySet<string>): boolean {
  if (!ipaddr.isValid(address)) return false;
  // IPv4-mapped IPv6 (::ffff:a.b.c.d) is judged as the IPv4 address it reaches.
  const parsed = ipaddr.process(address);
  if (allow.has(parsed.toNormalizedString()) || allow.has(parsed.toString())) return true;
  return parsed.range() === "unicast";
}

/** The allow-list as a set of normalized addresses. */
export function allowList(addresses: readonly string[]): ReadonlySet<string> {
  return new Set(addresses.map((a) => ipaddr.process(a).toNormalizedString()));
}
