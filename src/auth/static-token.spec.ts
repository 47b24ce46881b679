import { describe, expect, it } from '@jest/globals';
import { presentedTokens, verifyStaticToken } from './static-token.js';

const TOKENS = ['fixture-token'];

describe('presentedTokens', () => {
  it('reads an Authorization Bearer token', () => {
    expect(presentedTokens({ authorization: 'Bearer fixture-token' })).toEqual(['fixture-token']);
  });

  it.each(['bearer', 'BEARER', 'BeArEr'])('reads the scheme %s case-insensitively', (scheme) => {
    expect(presentedTokens({ authorization: `${scheme} fixture-token` })).toEqual(['fixture-token']);
  });

  it('reads X-Api-Key', () => {
    expect(presentedTokens({ 'x-api-key': 'fixture-token' })).toEqual(['fixture-token']);
  });

  it('ignores other Authorization schemes', () => {
    expect(presentedTokens({ authorization: 'Basic Zml4dHVyZS10b2tlbg==' })).toEqual([]);
  });

  it('finds nothing when no header is sent', () => {
    expect(presentedTokens({})).toEqual([]);
  });
});

describe('verifyStaticToken', () => {
  it('accepts the configured token as Bearer', () => {
    expect(verifyStaticToken(TOKENS, presentedTokens({ authorization: 'bearer fixture-token' }))).toBe(true);
  });

  it('accepts the configured token as X-Api-Key', () => {
    expect(verifyStaticToken(TOKENS, presentedTokens({ 'x-api-key': 'fixture-token' }))).toBe(true);
  });

  it('refuses a wrong token', () => {
    expect(verifyStaticToken(TOKENS, presentedTokens({ authorization: 'Bearer fixture-tokem' }))).toBe(false);
  });

  it('refuses a prefix of the token', () => {
    expect(verifyStaticToken(TOKENS, presentedTokens({ authorization: 'Bearer fixture' }))).toBe(false);
  });

  it('refuses when no token is presented', () => {
    expect(verifyStaticToken(TOKENS, presentedTokens({}))).toBe(false);
  });

  it('refuses everything when no token is configured', () => {
    expect(verifyStaticToken([], ['fixture-token'])).toBe(false);
  });

  it('accepts any of several configured tokens', () => {
    const configured = ['old-token', 'fixture-token', 'new-token'];
    expect(verifyStaticToken(configured, ['new-token'])).toBe(true);
    expect(verifyStaticToken(configured, ['old-token'])).toBe(true);
  });

  it('accepts when one of two presented tokens is right', () => {
    expect(verifyStaticToken(TOKENS, presentedTokens({ authorization: 'Bearer wrong', 'x-api-key': 'fixture-token' }))).toBe(true);
  });
});
