import { afterEach, beforeEach } from '@jest/globals';
import { request, type IncomingHttpHeaders } from 'node:http';
import { startFakeOpenRegister, type FakeOpenRegister, type FakeOpenRegisterOptions } from './fake-openregister.js';

/** `Authorization` for Basic auth (the fake's default user and app password unless told). */
export function basicAuth(user = 'admin', password = 'app-password'): Record<string, string> {
  return { Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` };
}

/** A GET without fetch's implicit `Accept-Encoding`, so the bytes come back exactly as sent. */
export function rawGet(url: string, headers: Record<string, string> = basicAuth()): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    request(url, { headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode!, headers: response.headers, body: Buffer.concat(chunks) }));
    })
      .on('error', reject)
      .end();
  });
}

export interface FakeOpenRegisterContext {
  fake: FakeOpenRegister;
  /** The register `gebouwen` and its schema `gebouw`, made before each test. */
  registerId: number;
  schemaId: number;
  /** fetch under the API prefix, logged in as the default user. */
  api(path: string, init?: RequestInit): Promise<Response>;
  json(path: string): Promise<any>;
  raw(path: string, headers?: Record<string, string>): ReturnType<typeof rawGet>;
}

/** A fresh fake (with one register and schema) for every test of the calling spec file. */
export function useFakeOpenRegister(options: FakeOpenRegisterOptions = {}): FakeOpenRegisterContext {
  const context = {
    api: (path: string, init: RequestInit = {}) => fetch(`${context.fake.apiUrl}${path}`, { ...init, headers: { ...basicAuth(), ...(init.headers as Record<string, string>) } }),
    json: async (path: string): Promise<any> => (await context.api(path)).json(),
    raw: (path: string, headers?: Record<string, string>) => rawGet(`${context.fake.apiUrl}${path}`, headers),
  } as FakeOpenRegisterContext;
  beforeEach(async () => {
    context.fake = await startFakeOpenRegister(options);
    context.registerId = context.fake.addRegister({ slug: 'gebouwen' });
    context.schemaId = context.fake.addSchema({ slug: 'gebouw', register: context.registerId });
  });
  afterEach(() => context.fake.close());
  return context;
}
