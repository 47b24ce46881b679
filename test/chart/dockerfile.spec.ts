/**
 * Lints the Dockerfile and .dockerignore without a container engine or hadolint: a small parser
 * turns the Dockerfile into instructions per stage, and each test checks one rule that matters for
 * this image (most mirror a hadolint rule, named in the test).
 */
import { describe, expect, it } from '@jest/globals';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// Not imported from ./helm.js: these checks need no helm, so they do not install it.
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

interface Instruction {
  keyword: string;
  /** Arguments with line continuations joined, flags included. */
  args: string;
  line: number;
}

interface Stage {
  from: Instruction;
  /** The image reference after ARG substitution. */
  image: string;
  name?: string;
  instructions: Instruction[];
}

/** Splits a Dockerfile into instructions: joins `\` continuations, drops comments and blank lines. */
export function parseDockerfile(text: string): Instruction[] {
  const instructions: Instruction[] = [];
  let buffer = '';
  let startLine = 0;
  text.split('\n').forEach((raw, index) => {
    const line = raw.replace(/\r$/, '');
    const trimmed = line.trim();
    // Comment and blank lines are dropped, even inside a continued instruction, as Docker does.
    if (trimmed === '' || trimmed.startsWith('#')) return;
    if (buffer === '') startLine = index + 1;
    if (trimmed.endsWith('\\')) {
      buffer += `${trimmed.slice(0, -1).trim()} `;
      return;
    }
    buffer += trimmed;
    const match = /^(\S+)\s*(.*)$/s.exec(buffer.trim());
    if (match) instructions.push({ keyword: match[1].toUpperCase(), args: match[2].trim(), line: startLine });
    buffer = '';
  });
  if (buffer.trim() !== '') throw new Error('Dockerfile ends inside a line continuation');
  return instructions;
}

/** Groups instructions into stages and resolves global ARG defaults in FROM. */
export function stagesOf(instructions: Instruction[]): { globalArgs: Record<string, string>; stages: Stage[] } {
  const globalArgs: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') {
      const parts = instruction.args.split(/\s+/).filter((p) => !p.startsWith('--'));
      const image = parts[0].replace(/\$\{(\w+)\}|\$(\w+)/g, (_m, a: string, b: string) => {
        const value = globalArgs[a ?? b];
        if (value === undefined) throw new Error(`FROM uses ARG ${a ?? b} with no default`);
        return value;
      });
      const asIndex = parts.findIndex((p) => p.toUpperCase() === 'AS');
      stages.push({ from: instruction, image, name: asIndex > 0 ? parts[asIndex + 1] : undefined, instructions: [] });
    } else if (stages.length === 0) {
      if (instruction.keyword !== 'ARG') throw new Error(`${instruction.keyword} before the first FROM`);
      const [name, value] = instruction.args.split('=');
      if (value !== undefined) globalArgs[name.trim()] = value.trim().replace(/^["']|["']$/g, '');
    } else {
      stages[stages.length - 1].instructions.push(instruction);
    }
  }
  return { globalArgs, stages };
}

/** `["a","b"]` exec form, or null for the shell form. */
function execForm(args: string): string[] | null {
  if (!args.startsWith('[')) return null;
  const parsed = JSON.parse(args) as unknown;
  if (!Array.isArray(parsed) || !parsed.every((a) => typeof a === 'string')) {
    throw new Error(`not a JSON string array: ${args}`);
  }
  return parsed as string[];
}

/** .dockerignore patterns (comments and blanks dropped). */
function dockerignorePatterns(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

/** Whether a context path is excluded, with Docker's pattern rules (*, **, ?, ! exceptions, dir prefixes). */
function isIgnored(path: string, patterns: string[]): boolean {
  const toRegExp = (pattern: string) => {
    const clean = pattern.replace(/^\/+/, '').replace(/\/+$/, '');
    let source = '';
    for (let i = 0; i < clean.length; i++) {
      const c = clean[i];
      if (c === '*' && clean[i + 1] === '*') {
        source += '.*';
        i++;
        if (clean[i + 1] === '/') i++;
      } else if (c === '*') source += '[^/]*';
      else if (c === '?') source += '[^/]';
      else source += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
    }
    // A pattern that names a directory excludes everything below it.
    return new RegExp(`^${source}(/.*)?$`);
  };
  let ignored = false;
  for (const pattern of patterns) {
    const negated = pattern.startsWith('!');
    if (toRegExp(negated ? pattern.slice(1) : pattern).test(path)) ignored = !negated;
  }
  return ignored;
}

const dockerfileText = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
const instructions = parseDockerfile(dockerfileText);
const { globalArgs, stages } = stagesOf(instructions);
const finalStage = stages[stages.length - 1];
const finalOf = (keyword: string) => finalStage.instructions.filter((i) => i.keyword === keyword);
const allOf = (keyword: string) => instructions.filter((i) => i.keyword === keyword);
const runs = allOf('RUN').map((i) => i.args);
const ignorePatterns = dockerignorePatterns(readFileSync(join(ROOT, '.dockerignore'), 'utf8'));

describe('the Dockerfile parser', () => {
  it('joins continuations and drops comments, even inside a continued RUN', () => {
    const parsed = parseDockerfile('# c\nFROM a:1 AS b\nRUN x \\\n  # note\n  && y\nCMD ["node"]\n');
    expect(parsed).toEqual([
      { keyword: 'FROM', args: 'a:1 AS b', line: 2 },
      { keyword: 'RUN', args: 'x && y', line: 3 },
      { keyword: 'CMD', args: '["node"]', line: 6 },
    ]);
  });

  it('applies .dockerignore patterns the way Docker does', () => {
    expect(isIgnored('node_modules/x/y.js', ['node_modules'])).toBe(true);
    expect(isIgnored('src/a.spec.ts', ['**/*.spec.ts'])).toBe(true);
    expect(isIgnored('README.md', ['*.md', '!README.md'])).toBe(false);
    expect(isIgnored('src/main.ts', ['node_modules', 'test'])).toBe(false);
  });
});

describe('Dockerfile', () => {
  it('is multi-stage: a named build stage and a separate runtime stage', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(stages[0].name).toBe('build');
    expect(finalStage.name).toBe('runtime');
  });

  it('pins every base image to an exact Node 24 (the current LTS) bookworm-slim release, never latest (DL3006, DL3007)', () => {
    const stageNames = stages.map((s) => s.name);
    for (const stage of stages) {
      if (stageNames.includes(stage.image)) continue; // FROM an earlier stage
      const [, tag = ''] = stage.image.split('@')[0].split(':');
      expect(tag).not.toBe('');
      expect(tag).not.toMatch(/latest/);
      expect(stage.image).toMatch(/^node:24\.\d+\.\d+-bookworm-slim(@sha256:[a-f0-9]{64})?$/);
    }
    expect(globalArgs.NODE_VERSION).toMatch(/^24\.\d+\.\d+$/);
  });

  it('is the Node release CI tests on: scripts/install-node.mjs reads it and pins its tarball', () => {
    const installer = readFileSync(join(ROOT, 'scripts', 'install-node.mjs'), 'utf8');
    // A bump of NODE_VERSION without the tarball's integrity would fail CI only at install time.
    expect(installer).toMatch(new RegExp(`'${globalArgs.NODE_VERSION.replace(/\./g, '\\.')}': 'sha512-[A-Za-z0-9+/]+={0,2}'`));
    expect(readFileSync(join(ROOT, '.ci', 'run'), 'utf8')).toMatch(/install-node\.mjs|image-node/);
  });

  it('runs the final stage as a numeric non-root user (DL3002)', () => {
    const users = finalOf('USER');
    expect(users.length).toBeGreaterThan(0);
    const user = users[users.length - 1].args;
    expect(user).toMatch(/^\d+(:\d+)?$/);
    const [uid, gid] = user.split(':').map(Number);
    expect(uid).toBeGreaterThan(0);
    if (gid !== undefined) expect(gid).toBeGreaterThan(0);
  });

  it('starts node directly in exec form, with no npm or shell as PID 1 (DL3025)', () => {
    const cmds = finalOf('CMD');
    expect(cmds).toHaveLength(1);
    // The young generation's start size is a command-line flag only (NODE_OPTIONS refuses it; ADR 0008).
    expect(execForm(cmds[0].args)).toEqual(['node', '--min-semi-space-size=16', 'dist/main.js']);
    for (const entrypoint of finalOf('ENTRYPOINT')) {
      const form = execForm(entrypoint.args);
      expect(form).not.toBeNull();
      expect(form?.[0]).not.toMatch(/npm|sh$/);
    }
  });

  it('names the stop signal Node handles for its drain', () => {
    const stopSignals = finalOf('STOPSIGNAL');
    expect(stopSignals).toHaveLength(1);
    expect(stopSignals[0].args).toMatch(/^SIG(TERM|INT)$/);
  });

  it('installs with npm ci from the lockfile and ships production dependencies only', () => {
    expect(runs.some((r) => /\bnpm ci\b/.test(r))).toBe(true);
    expect(runs.some((r) => /\bnpm (ci|install)\b[^&;]*--omit=dev|\bnpm prune\b[^&;]*--omit=dev/.test(r))).toBe(true);
    expect(runs.some((r) => /\bnpm (install|i)\b/.test(r))).toBe(false);
    const copies = finalOf('COPY').map((c) => c.args);
    expect(copies.some((c) => /--from=build\b.*node_modules/.test(c))).toBe(true);
    expect(copies.some((c) => /--from=build\b.*dist/.test(c))).toBe(true);
    // package.json carries "type": "module", without which dist/main.js does not load.
    expect(copies.some((c) => /--from=build\b.*package\.json/.test(c))).toBe(true);
  });

  it('keeps compilers and package managers out of the runtime stage', () => {
    const finalRuns = finalOf('RUN').map((i) => i.args);
    expect(finalRuns.some((r) => /apt-get|apk |npm |yarn |pnpm /.test(r))).toBe(false);
    expect(stages[0].instructions.some((i) => i.keyword === 'RUN' && /python3/.test(i.args) && /g\+\+/.test(i.args))).toBe(true);
  });

  it('uses apt-get lean: --no-install-recommends and no package lists left behind (DL3015, DL3009)', () => {
    for (const run of runs.filter((r) => /apt-get install/.test(r))) {
      expect(run).toMatch(/--no-install-recommends/);
      expect(run).toMatch(/apt-get update/);
      expect(run).toMatch(/rm -rf \/var\/lib\/apt\/lists/);
    }
  });

  it('never ADDs a URL or an archive; COPY only (DL3020)', () => {
    expect(allOf('ADD')).toEqual([]);
  });

  it('uses absolute WORKDIRs and no cd in RUN (DL3000, DL3003)', () => {
    const workdirs = allOf('WORKDIR');
    expect(workdirs.length).toBeGreaterThan(0);
    for (const workdir of workdirs) expect(workdir.args).toMatch(/^\//);
    expect(runs.some((r) => /(^|&&|;)\s*cd\s/.test(r))).toBe(false);
  });

  it('never runs sudo (DL3004)', () => {
    expect(runs.some((r) => /\bsudo\b/.test(r))).toBe(false);
  });

  it('declares the data volume, DATA_DIR and production mode in the runtime stage', () => {
    expect(finalOf('VOLUME').map((v) => v.args)).toEqual(['["/data"]']);
    const env = finalOf('ENV').map((e) => e.args).join(' ');
    expect(env).toMatch(/DATA_DIR=\/data\b/);
    expect(env).toMatch(/NODE_ENV=production\b/);
    expect(env).toMatch(/PORT=3000\b/);
    expect(finalOf('EXPOSE').map((e) => e.args)).toEqual(['3000']);
    // The data dir is made writable for the runtime user, nothing else is.
    expect(finalOf('RUN').map((r) => r.args).join(' ')).toMatch(/chown 1000:1000 \/data/);
  });

  it('puts the operator CLI on PATH as the built, executable dist/cli/main.js', () => {
    expect(finalOf('RUN').map((r) => r.args).join(' ')).toMatch(/ln -s \/app\/dist\/cli\/main\.js \/usr\/local\/bin\/openregister-webhooks\b/);
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string>; scripts: Record<string, string> };
    expect(pkg.bin['openregister-webhooks']).toBe('dist/cli/main.js');
    // nest build does not set the execute bit the link (and npx in the project) needs.
    expect(pkg.scripts.build).toMatch(/chmodSync\('dist\/cli\/main\.js', 0o755\)/);
    expect(readFileSync(join(ROOT, 'src', 'cli', 'main.ts'), 'utf8')).toMatch(/^#!\/usr\/bin\/env node\n/);
  });

  it('bakes no secret into the image', () => {
    for (const instruction of [...allOf('ENV'), ...allOf('ARG')]) {
      expect(instruction.args).not.toMatch(/SECRET|TOKEN|PASSWORD|REDIS_URL/i);
    }
  });

  it('has a healthcheck in exec form that needs no curl', () => {
    const checks = finalOf('HEALTHCHECK');
    expect(checks).toHaveLength(1);
    const form = execForm(checks[0].args.replace(/^.*?CMD\s+/, ''));
    expect(form?.[0]).toBe('node');
    expect(form?.join(' ')).toContain('/health/live');
  });

  it('builds dist/main.js from src/main.ts, as the CMD expects', () => {
    const tsconfig = JSON.parse(
      readFileSync(join(ROOT, 'tsconfig.json'), 'utf8').replace(/\/\*[\s\S]*?\*\/|^\s*\/\/.*$/gm, ''),
    ) as { compilerOptions: { outDir: string; rootDir: string } };
    expect(tsconfig.compilerOptions.outDir.replace(/^\.\//, '')).toBe('dist');
    expect(tsconfig.compilerOptions.rootDir.replace(/^\.\//, '')).toBe('src');
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { type: string; scripts: Record<string, string> };
    expect(pkg.type).toBe('module');
    expect(pkg.scripts.build).toBeDefined();
  });
});

describe('.dockerignore', () => {
  it.each(['node_modules', '.git', 'data', 'test', 'dist', 'coverage', '.env', '.tools', 'bench'])('excludes %s', (path) => {
    expect(isIgnored(path, ignorePatterns)).toBe(true);
    expect(isIgnored(`${path}/some/file`, ignorePatterns)).toBe(true);
  });

  it('keeps every file the Dockerfile copies from the build context, and they exist', () => {
    const sources = allOf('COPY')
      .filter((c) => !/--from=/.test(c.args))
      .flatMap((c) => {
        const parts = c.args.split(/\s+/).filter((p) => !p.startsWith('--'));
        return parts.slice(0, -1);
      });
    expect(sources).toEqual(expect.arrayContaining(['package.json', 'package-lock.json', 'src']));
    for (const source of sources) {
      expect(isIgnored(source, ignorePatterns)).toBe(false);
      expect(existsSync(join(ROOT, source))).toBe(true);
    }
    expect(isIgnored('src/main.ts', ignorePatterns)).toBe(false);
  });
});
