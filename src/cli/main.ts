#!/usr/bin/env node
// The operator CLI (`npx openregister-webhooks <command>`, docs/cli.md). Built by `nest build` to
// dist/cli/main.js, the package's `bin`; tsc keeps the shebang line above.
// class-transformer (under the configuration's validation) expects the Reflect metadata API.
import 'reflect-metadata';
import { processIo } from './io.js';
import { run } from './run.js';

process.exitCode = await run(process.argv.slice(2), processIo());
