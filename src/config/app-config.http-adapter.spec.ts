import { describe, expect, it } from '@jest/globals';
import { loadConfig } from './app-config.js';

const load = (env: Record<string, string>) => loadConfig({ WEBHOOK_SECRETS: 'fixture-secret', ...env });

describe('HTTP_ADAPTER', () => {
  it('is express by default, as the design card asks', () => {
    expect(load({}).httpAdapter).toBe('express');
  });

  it.each(['express', 'fastify'] as const)('takes %s', (adapter) => {
    expect(load({ HTTP_ADAPTER: adapter }).httpAdapter).toBe(adapter);
  });

  it.each(['koa', 'Fastify', 'express,fastify'])('refuses %j, naming HTTP_ADAPTER and the choices', (value) => {
    expect(() => load({ HTTP_ADAPTER: value })).toThrow(/HTTP_ADAPTER="[^"]*": HTTP_ADAPTER must be one of express, fastify/);
  });
});
