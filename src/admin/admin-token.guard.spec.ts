import { ExecutionContext, UnauthorizedException } from '@nestjs/common';
import { describe, expect, it } from '@jest/globals';
import type { AppConfig } from '../config/app-config.js';
import { AdminTokenGuard } from './admin-token.guard.js';

const TOKEN = 'a-long-random-admin-token';

function contextWith(authorization: string | undefined) {
  const headers: Record<string, string> = {};
  const context = {
    switchToHttp: () => ({
      getRequest: () => ({ headers: authorization === undefined ? {} : { authorization } }),
      getResponse: () => ({ header: (name: string, value: string) => (headers[name] = value) }),
    }),
  } as unknown as ExecutionContext;
  return { context, headers };
}

/** A guard for exactly this configured token (no default: `undefined` must mean none configured). */
const guardFor = (adminToken: string | undefined) => new AdminTokenGuard({ adminToken } as AppConfig);
const guard = () => guardFor(TOKEN);

describe('AdminTokenGuard', () => {
  it('lets the right bearer token through, whatever the case of "Bearer"', () => {
    expect(guard().canActivate(contextWith(`Bearer ${TOKEN}`).context)).toBe(true);
    expect(guard().canActivate(contextWith(`bearer ${TOKEN}`).context)).toBe(true);
  });

  it.each([
    ['no header', undefined],
    ['an empty header', ''],
    ['another token', 'Bearer another-token'],
    ['a prefix of the token', `Bearer ${TOKEN.slice(0, -1)}`],
    ['the token with more after it', `Bearer ${TOKEN}x`],
    ['the token and another word', `Bearer ${TOKEN} ${TOKEN}`],
    ['the token without the scheme', TOKEN],
    ['Basic with the token as password', `Basic ${Buffer.from(`admin:${TOKEN}`).toString('base64')}`],
  ])('refuses %s with 401 and a WWW-Authenticate challenge', (_name, header) => {
    const { context, headers } = contextWith(header);
    expect(() => guard().canActivate(context)).toThrow(UnauthorizedException);
    expect(headers['WWW-Authenticate']).toBe('Bearer realm="admin"');
  });

  it.each([
    ['unset', undefined],
    ['empty', ''],
  ])('refuses everything, with the challenge, when ADMIN_TOKEN is %s', (_name, adminToken) => {
    for (const header of [undefined, '', 'Bearer ', 'Bearer undefined', `Bearer ${TOKEN}`, 'Bearer x']) {
      const { context, headers } = contextWith(header);
      expect(() => guardFor(adminToken).canActivate(context)).toThrow(UnauthorizedException);
      expect([header, headers['WWW-Authenticate']]).toEqual([header, 'Bearer realm="admin"']);
    }
  });
});
