/**
 * The HTTP platform under test (HTTP_ADAPTER): each end-to-end Jest project (`e2e-express`,
 * `e2e-fastify`, jest.config.js) sets this global, so every spec runs on both platforms (but for
 * the few in DEFAULT_PLATFORM_ONLY there, which no HTTP platform takes part in).
 */
export const TEST_HTTP_ADAPTER: string = (globalThis as { HTTP_ADAPTER?: string }).HTTP_ADAPTER ?? 'express';
