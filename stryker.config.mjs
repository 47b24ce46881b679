// Mutation testing: `npm run mutate` (all named folders) or `npm run mutate -- --mutate 'src/auth/**/*.ts'`.
// Not in CI (it takes far longer than the suite); the report goes to reports/ (ignored by git) and
// the summary per folder into docs/development.md.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'jest',
  jest: { projectType: 'custom', configFile: 'jest.mutate.config.js', enableFindRelatedTests: false },
  // Nest 12 is ESM-only: Jest needs Node's VM modules, as in `npm test`.
  testRunnerNodeArgs: ['--experimental-vm-modules'],
  checkers: ['typescript'],
  tsconfigFile: 'tsconfig.json',
  typescriptChecker: { prioritizePerformanceOverAccuracy: true },
  coverageAnalysis: 'perTest',
  incremental: true,
  incrementalFile: 'reports/mutation/stryker-incremental.json',
  mutate: [
    'src/auth/**/*.ts',
    'src/idempotency/**/*.ts',
    'src/events/**/*.ts',
    'src/delivery/**/*.ts',
    'src/store/**/*.ts',
    '!src/**/*.spec.ts',
    '!src/**/*.contract.ts',
  ],
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  tempDirName: 'reports/.stryker-tmp',
  cleanTempDir: 'always',
  // A static mutant (a module-level value) needs every test run again: 7 % of the mutants took 97 % of the time.
  ignoreStatic: true,
  concurrency: 2,
  timeoutMS: 20_000,
};
