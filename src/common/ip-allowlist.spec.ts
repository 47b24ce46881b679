import { describe, expect, it } from '@jest/globals';
import { IpAllowlist } from './ip-allowlist.js';

describe('IpAllowlist', () => {
  it('allows an IPv4 address inside a CIDR', () => {
    expect(new IpAllowlist(['10.0.0.0/8']).allows('10.200.3.4')).toBe(true);
  });

  it('refuses an IPv4 address outside the CIDR', () => {
    expect(new IpAllowlist(['10.0.0.0/8']).allows('11.0.0.1')).toBe(false);
  });

  it('allows an IPv6 address inside a CIDR', () => {
    expect(new IpAllowlist(['2001:db8::/32']).allows('2001:db8:1::7')).toBe(true);
  });

  it('refuses an IPv6 address outside the CIDR', () => {
    expect(new IpAllowlist(['2001:db8::/32']).allows('2001:db9::1')).toBe(false);
  });

  it('allows exactly a single listed address', () => {
    const list = new IpAllowlist(['192.0.2.10']);
    expect(list.allows('192.0.2.10')).toBe(true);
    expect(list.allows('192.0.2.11')).toBe(false);
  });

  it('allows a single listed IPv6 address', () => {
    const list = new IpAllowlist(['::1']);
    expect(list.allows('::1')).toBe(true);
    expect(list.allows('::2')).toBe(false);
  });

  it('matches an IPv4-mapped IPv6 client against an IPv4 CIDR', () => {
    expect(new IpAllowlist(['10.0.0.0/8']).allows('::ffff:10.1.2.3')).toBe(true);
  });

  it('refuses an IPv4-mapped IPv6 client outside the IPv4 CIDR', () => {
    expect(new IpAllowlist(['10.0.0.0/8']).allows('::ffff:192.168.1.1')).toBe(false);
  });

  it('reads an IPv4-mapped IPv6 CIDR entry as the IPv4 range it carries', () => {
    const list = new IpAllowlist(['::ffff:10.0.0.0/104']);
    expect(list.allows('10.1.2.3')).toBe(true);
    expect(list.allows('11.1.2.3')).toBe(false);
  });

  it('does not match an IPv4 client against an IPv6 range', () => {
    expect(new IpAllowlist(['2001:db8::/32']).allows('10.0.0.1')).toBe(false);
  });

  it('allows everything when the list is empty', () => {
    const list = new IpAllowlist([]);
    expect(list.isEmpty).toBe(true);
    expect(list.allows('203.0.113.5')).toBe(true);
    expect(list.allows(undefined)).toBe(true);
  });

  it('refuses an unknown address when the list is not empty', () => {
    expect(new IpAllowlist(['10.0.0.0/8']).allows(undefined)).toBe(false);
  });

  it('refuses a client address that is not an IP', () => {
    expect(new IpAllowlist(['10.0.0.0/8']).allows('not-an-ip')).toBe(false);
  });

  it.each(['banana', '10.0.0.0/33', '300.1.1.1', '2001:db8::/129'])('throws naming the invalid entry %s', (entry) => {
    expect(() => new IpAllowlist(['10.0.0.0/8', entry])).toThrow(`"${entry}"`);
  });
});
