import { describe, expect, it } from '@jest/globals';
import { maskUrl, parseForwardTarget } from './forward-target.js';

describe('parseForwardTarget', () => {
  it('keeps a plain URL as it is, with no Authorization', () => {
    expect(parseForwardTarget('https://gis.example.org/hook')).toEqual({ url: 'https://gis.example.org/hook', display: 'https://gis.example.org/hook' });
  });

  it('moves user info into a Basic Authorization header and out of the URL', () => {
    const target = parseForwardTarget('https://alice:s%40cret@gis.example.org/hook');
    expect(target.url).toBe('https://gis.example.org/hook');
    expect(target.authorization).toBe(`Basic ${Buffer.from('alice:s@cret').toString('base64')}`);
    expect(target.display).toBe('https://***@gis.example.org/hook');
  });

  it('handles user info with a user name only', () => {
    const target = parseForwardTarget('http://token@127.0.0.1:8080/in');
    expect(target.url).toBe('http://127.0.0.1:8080/in');
    expect(target.authorization).toBe(`Basic ${Buffer.from('token:').toString('base64')}`);
  });
});

describe('maskUrl', () => {
  it('masks user and password', () => {
    expect(maskUrl('https://user:pass@host.example/path')).toBe('https://***@host.example/path');
    expect(maskUrl('https://user:pass@host.example/path')).not.toMatch(/user|pass@/);
  });

  it('masks every query value but keeps the names', () => {
    expect(maskUrl('https://host.example/p?code=abc123&tenant=x')).toBe('https://host.example/p?code=***&tenant=***');
  });

  it('never echoes something that is not a URL', () => {
    expect(maskUrl('not a url with secret')).toBe('[invalid URL]');
  });
});
