import { describe, expect, it } from '@jest/globals';
import { IpAllowlist } from './ip-allowlist.js';

// ipaddr.js also parses classful/legacy IPv4 forms: "10" becomes 0.0.0.10 and "10.1" becomes 10.0.0.1,
// so an operator's IP_ALLOWLIST=10 silently allows one unroutable address instead of failing.
describe('IpAllowlist with a shorthand IPv4 entry', () => {
  it.each(['10', '10.1', '167772161', '0x0a000001'])('throws naming %s', (entry) => {
    expect(() => new IpAllowlist([entry])).toThrow(`"${entry}"`);
  });
});
