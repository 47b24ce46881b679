import { describe, expect, it } from '@jest/globals';
import { loadConfig } from './app-config.js';

const load = (env: Record<string, string>) => loadConfig({ WEBHOOK_SECRETS: 'fixture-secret', ...env });

describe('REDACT_FIELDS', () => {
  it('is empty by default and a trimmed list when set', () => {
    expect(load({}).redactFields).toEqual([]);
    expect(load({ REDACT_FIELDS: 'X-Nc-Session , bsn' }).redactFields).toEqual(['X-Nc-Session', 'bsn']);
  });

  it.each([',bsn', 'a,,b', 'two words'])('refuses %j, naming REDACT_FIELDS', (value) => {
    expect(() => load({ REDACT_FIELDS: value })).toThrow(/REDACT_FIELDS/);
  });
});

describe('FORWARD_UNREDACTED_URLS', () => {
  const FORWARD_URLS = 'https://gis.example.org/hook,https://trusted.example.org/in';

  it('is empty by default and a subset of FORWARD_URLS when set', () => {
    expect(load({ FORWARD_URLS }).forward.unredactedUrls).toEqual([]);
    expect(load({ FORWARD_URLS, FORWARD_UNREDACTED_URLS: ' https://trusted.example.org/in ' }).forward.unredactedUrls).toEqual(['https://trusted.example.org/in']);
  });

  it('refuses a URL that is not one of FORWARD_URLS, naming its host but not its path or query', () => {
    const load2 = () => load({ FORWARD_URLS, FORWARD_UNREDACTED_URLS: 'https://elsewhere.example.org/in?token=s3cret' });
    expect(load2).toThrow(/FORWARD_UNREDACTED_URLS: the URL on elsewhere\.example\.org is not one of FORWARD_URLS/);
    expect(load2).not.toThrow(/s3cret/);
  });

  it('refuses what is not an http(s) URL', () => {
    expect(() => load({ FORWARD_URLS, FORWARD_UNREDACTED_URLS: 'ftp://gis.example.org/hook' })).toThrow(/FORWARD_UNREDACTED_URLS/);
  });
});
