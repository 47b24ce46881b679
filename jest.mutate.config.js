// Jest for mutation testing (`npm run mutate`): the unit project alone, as a top-level config.
// Stryker runs the tests that cover a mutant in its own sandbox copy, where `dist/` is not built,
// so specs that spawn the built service cannot see a mutant and are left out.
import main from './jest.config.js';

const unit = main.projects.find((project) => project.displayName === 'unit');

/** @type {import('jest').Config} */
export default {
  ...unit,
  displayName: undefined,
  testTimeout: main.testTimeout,
  globalSetup: main.globalSetup,
  globalTeardown: main.globalTeardown,
};
