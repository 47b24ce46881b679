// Nest 12 is ESM-only: Jest runs under `node --experimental-vm-modules` and SWC compiles the
// TypeScript (decorators and their metadata on, which Nest's DI needs).
// Exported for bench/lib/compile-sources.mjs, which compiles the sources the same way.
export const SWC_OPTIONS = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    target: 'es2023',
    keepClassNames: true,
  },
  module: { type: 'es6' },
};
const swc = ['@swc/jest', SWC_OPTIONS];

const common = {
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': swc },
  // Sources import siblings as `./x.js` (Node ESM); map them back to the `.ts` files.
  moduleNameMapper: {
    '^(\\.{1,2}/.*)\\.js$': '$1',
    // CommonJS that loads ESM: see test/support/esm-interop.cjs.
    '^@nestjs/throttler$': '<rootDir>/.tools/jest-esm/nestjs-throttler.mjs',
  },
  testEnvironment: 'node',
  // A time limit per spec file, beside testTimeout's per test (docs/development.md, "A suite that never hangs").
  setupFilesAfterEnv: ['<rootDir>/test/support/file-watchdog.ts'],
};

/**
 * End-to-end specs that prove something no HTTP platform takes part in, so they run on the default
 * platform (express) only: several built replicas sharing one PostgreSQL (leases, hand-over after
 * SIGKILL, a database restart). The platform's own path (intake, status codes, bodies) is proven by
 * every other spec on both; these take ~25 s a pass, and a second run would prove the same again.
 * The fake OpenRegister's own specs and the test database's set-up spec boot no app at all; nor do
 * the scripts' command lines, and the fuzzer's clean-up does not depend on the platform.
 * Add a spec here only if a change of HTTP platform could not change its outcome.
 */
const DEFAULT_PLATFORM_ONLY = ['/test/embedded-postgres\\.e2e-spec\\.ts$', '/test/catch-up\\.replicas\\.e2e-spec\\.ts$', '/test/replicas\\.e2e-spec\\.ts$', '/test/replicas-database-restart\\.e2e-spec\\.ts$', '/test/fake-openregister(\\.http)?\\.e2e-spec\\.ts$', '/test/operator-scripts\\.e2e-spec\\.ts$', '/test/fuzz-cleanup\\.e2e-spec\\.ts$'];

/** @type {import('jest').Config} */
export default {
  // Specs that spawn the built service or boot the app take seconds on a loaded 2-core machine;
  // Jest's 5 s default turned that into failures that were only slowness. Conditions inside the
  // specs are still waited for with their own bounds. A global option: Jest ignores it in a project.
  testTimeout: 30_000,
  // Once every spec has run, exit even if something (a socket, a timer, a child) still holds the
  // event loop: a leak must not turn a finished run, red or green, into a hang until CI's limit.
  // Find such a leak with `--detectOpenHandles` (slower, so not on by default).
  forceExit: true,
  globalSetup: '<rootDir>/test/support/global-setup.mjs',
  globalTeardown: '<rootDir>/test/support/global-teardown.mjs',
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/src/**/*.spec.ts'] },
    // Every end-to-end spec runs on both HTTP platforms; test/support reads the global. Except
    // DEFAULT_PLATFORM_ONLY, which run on express alone.
    ...['express', 'fastify'].map((adapter) => ({
      ...common,
      displayName: `e2e-${adapter}`,
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      testPathIgnorePatterns: adapter === 'express' ? ['/node_modules/'] : ['/node_modules/', ...DEFAULT_PLATFORM_ONLY],
      globals: { HTTP_ADAPTER: adapter },
    })),
    { ...common, displayName: 'chart', testMatch: ['<rootDir>/test/chart/**/*.spec.ts'] },
    { ...common, displayName: 'docs', testMatch: ['<rootDir>/test/docs/**/*.spec.ts'] },
  ],
};
