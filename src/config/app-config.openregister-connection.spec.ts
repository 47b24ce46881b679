import { describe, expect, it } from '@jest/globals';
import { loadOpenRegisterConnection } from './app-config.js';

const credentials = { OPENREGISTER_USERNAME: 'webhooks', OPENREGISTER_PASSWORD: 'app-password' };

describe('loadOpenRegisterConnection', () => {
  it('reads the API base, the user and the timeout without any webhook credential', () => {
    expect(loadOpenRegisterConnection({ OPENREGISTER_URL: 'https://nc.example.org/', ...credentials, OPENREGISTER_TIMEOUT_MS: '2500' })).toEqual({
      apiUrl: 'https://nc.example.org/index.php/apps/openregister/api',
      username: 'webhooks',
      password: 'app-password',
      requestTimeoutInMs: 2500,
    });
  });

  it('looks only at the OPENREGISTER_* variables: a bad unrelated one does not stop it', () => {
    expect(loadOpenRegisterConnection({ OPENREGISTER_URL: 'https://nc.example.org', ...credentials, PORT: 'abc' }).requestTimeoutInMs).toBe(10_000);
  });

  it.each([
    [{ ...credentials }, /OPENREGISTER_URL: required/],
    [{ OPENREGISTER_URL: 'nc.example.org', ...credentials }, /OPENREGISTER_URL.*http\(s\) URL/],
    [{ OPENREGISTER_URL: 'https://nc.example.org', OPENREGISTER_USERNAME: 'webhooks' }, /OPENREGISTER_USERNAME, OPENREGISTER_PASSWORD: both are required/],
    [{ OPENREGISTER_URL: 'https://nc.example.org', ...credentials, OPENREGISTER_TIMEOUT_MS: '0' }, /OPENREGISTER_TIMEOUT_MS=0: must be at least 1/],
  ])('refuses %j', (env, message) => {
    expect(() => loadOpenRegisterConnection(env)).toThrow(message);
  });

  it('never repeats the password in its message', () => {
    expect(() => loadOpenRegisterConnection({ OPENREGISTER_URL: 'https://nc.example.org', OPENREGISTER_PASSWORD: 'sekrit-app-password' })).toThrow(expect.objectContaining({ message: expect.not.stringContaining('sekrit') }) as never);
  });
});
