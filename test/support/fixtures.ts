import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');

/** The secret and token the fixtures are signed with (shared/fixtures/README.md). */
export const FIXTURE_SECRET = 'fixture-secret';
export const FIXTURE_TOKEN = 'fixture-token';
/** When the fixtures were sent: their signed `timestamp`. */
export const FIXTURE_SENT_AT = Date.parse('2026-03-02T09:15:27Z');

export interface Fixture {
  name: string;
  /** The body byte for byte, never re-serialised. */
  body: Buffer;
  headers: Record<string, string>;
}

export function loadFixture(name: string): Fixture {
  return {
    name,
    body: readFileSync(join(FIXTURES, `${name}.json`)),
    headers: JSON.parse(readFileSync(join(FIXTURES, `${name}.headers.json`), 'utf8')) as Record<string, string>,
  };
}

export function fixtureNames(): string[] {
  return readdirSync(FIXTURES)
    .filter((file) => file.endsWith('.headers.json'))
    .map((file) => file.replace(/\.headers\.json$/, ''))
    .sort();
}
