// Which direct peers may vouch for a client with X-Forwarded-* headers: a list of IPs and CIDRs compiled once per
// route table into a node:net BlockList (a C++ matcher, no per-request parsing).
import { BlockList, isIPv4, isIPv6 } from 'node:net';

export interface TrustedProxies {
  readonly empty: boolean;
  readonly list: BlockList;
}

/** Compiles `127.0.0.1`, `10.0.0.0/8`, `::1`, `fd00::/8`; throws on an entry that is neither an IP nor a CIDR. */
export function compileTrustedProxies(entries: readonly string[]): TrustedProxies {
  const list = new BlockList();
  for (const entry of entries) {
    const slash = entry.indexOf('/');
    const address = slash === -1 ? entry : entry.slice(0, slash);
    const family = isIPv4(address) ? 'ipv4' : isIPv6(address) ? 'ipv6' : null;
    const prefix = slash === -1 ? null : Number(entry.slice(slash + 1));
    const max = family === 'ipv4' ? 32 : 128;
    if (family === null || (prefix !== null && (!Number.isInteger(prefix) || prefix < 0 || prefix > max))) {
      throw new Error(`trusted proxy "${entry}" is not an IP address or CIDR`);
    }
    if (prefix === null) list.addAddress(address, family);
    else list.addSubnet(address, prefix, family);
  }
  return { empty: entries.length === 0, list };
}

/** A socket's remote address as a plain IP: an IPv4-mapped IPv6 address (`::ffff:1.2.3.4`, what a dual-stack
 * listener reports for IPv4 clients) becomes `1.2.3.4`, so IPv4 rules and logs see the address people expect. */
export function normalizePeerAddress(address: string | undefined): string {
  if (address === undefined) return '';
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

export function isTrustedPeer(trusted: TrustedProxies, address: string): boolean {
  if (trusted.empty || address === '') return false;
  return trusted.list.check(address, address.includes(':') ? 'ipv6' : 'ipv4');
}
