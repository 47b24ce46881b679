import { describe, expect, it } from '@jest/globals';
import { connectionConfig, explicitSslMode } from './postgres-pool.js';

describe('explicitSslMode', () => {
  it.each(['prefer', 'require', 'verify-ca'])('writes sslmode=%s as the verify-full pg makes of it, with one line to log', (mode) => {
    const { url, note } = explicitSslMode(`postgres://u:p@db:5432/webhooks?sslmode=${mode}&application_name=x`);
    expect(new URL(url).searchParams.get('sslmode')).toBe('verify-full');
    expect(new URL(url).searchParams.get('application_name')).toBe('x');
    expect(new URL(url).password).toBe('p');
    expect(note).toMatch(new RegExp(`sslmode=${mode}.*verify-full`));
    expect(note).not.toMatch(/\n/);
  });

  it.each([
    'postgres://u:p@db:5432/webhooks',
    'postgres://u:p@db:5432/webhooks?sslmode=disable',
    'postgres://u:p@db:5432/webhooks?sslmode=verify-full',
    'postgres://u:p@db:5432/webhooks?sslmode=require&uselibpqcompat=true',
  ])('leaves %s as it is', (given) => {
    expect(explicitSslMode(given)).toEqual({ url: given });
  });
});

describe('connectionConfig', () => {
  it('bounds the connect and every query (the client gives up 1 s after the statement timeout)', () => {
    expect(connectionConfig('postgres://db/x', { connectInMs: 2000, statementInMs: 3000 })).toMatchObject({ connectionTimeoutMillis: 2000, query_timeout: 4000 });
    expect(connectionConfig('postgres://db/x')).toMatchObject({ connectionTimeoutMillis: 5000, query_timeout: 6000 });
  });
});
