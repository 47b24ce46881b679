/**
 * The HTTP platform under test (HTTP_ADAPTER): each end-to-end Jest project (`e2e-express`,
 * `e2e-fastify`, jest.config.js) sets this global, so every spec runs on both platforms.
 */
export const TEST_HTTP_ADAPTER: string = (globalThis as { HTTP_ADAPTER?: string }).HTTP_ADAPTER ?? 'express';
