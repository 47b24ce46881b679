import ipaddr from 'ipaddr.js';

type Range = [ipaddr.IPv4 | ipaddr.IPv6, number];

/**
 * Matches client addresses against IPv4/IPv6 CIDRs. IPv4-mapped IPv6 addresses
 * (`::ffff:10.0.0.1`, what a dual-stack socket reports) are matched as the IPv4 they carry.
 */
export class IpAllowlist {
  private readonly ranges: Range[];

  /** @throws Error naming the entry that is not an address or CIDR. */
  constructor(readonly cidrs: readonly string[]) {
    this.ranges = cidrs.map((entry) => parseRange(entry));
  }

  get isEmpty(): boolean {
    return this.ranges.length === 0;
  }

  allows(address: string | undefined): boolean {
    if (this.isEmpty) return true;
    if (!address || !ipaddr.isValid(address)) return false;
    const parsed = ipaddr.process(address);
    return this.ranges.some(([range, bits]) => parsed.kind() === range.kind() && parsed.match(range, bits));
  }
}

/** Only the full forms: `10` or `10.1` would silently mean 0.0.0.10 or 10.0.0.1. */
export function isFullAddress(address: string): boolean {
  return address.includes(':') ? ipaddr.IPv6.isValid(address) : ipaddr.IPv4.isValidFourPartDecimal(address);
}

function parseRange(entry: string): Range {
  const [address, bits, ...rest] = entry.split('/');
  if (!isFullAddress(address) || rest.length > 0 || (bits !== undefined && !/^\d{1,3}$/.test(bits))) {
    throw new Error(`"${entry}" is not an IP address or CIDR range`);
  }
  try {
    if (entry.includes('/')) {
      const [range, bits] = ipaddr.parseCIDR(entry);
      return [unmap(range), range.kind() === 'ipv6' && unmap(range).kind() === 'ipv4' ? bits - 96 : bits];
    }
    const address = ipaddr.process(entry);
    return [address, address.kind() === 'ipv4' ? 32 : 128];
  } catch {
    throw new Error(`"${entry}" is not an IP address or CIDR range`);
  }
}

function unmap(address: ipaddr.IPv4 | ipaddr.IPv6): ipaddr.IPv4 | ipaddr.IPv6 {
  return address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress()
    ? (address as ipaddr.IPv6).toIPv4Address()
    : address;
}
