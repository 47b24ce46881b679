import { describe, expect, it } from '@jest/globals';
import { getMetadataStorage } from 'class-validator';
import { marked, type Tokens } from 'marked';
import { readFileSync } from 'node:fs';
import { EnvironmentVariables } from '../../src/config/environment.js';

// docs/configuration.md is where an operator looks a variable up: one the service reads but the
// table leaves out (THROTTLE_*_TTL_SECONDS were once) is a setting nobody can find, and one the
// table names but the service ignores is a setting that silently does nothing.

/** Every variable named in the first column of the reference's tables (`A` / `B` rows name two). */
function documentedVariables(): Set<string> {
  const tables = marked.lexer(readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8')).filter((token): token is Tokens.Table => token.type === 'table');
  const names = tables.filter((table) => table.header[0]?.text === 'variable').flatMap((table) => table.rows.flatMap((row) => [...row[0].text.matchAll(/`([A-Z][A-Z0-9_]*)`/g)].map((match) => match[1])));
  return new Set(names);
}

/** Every variable the configuration schema declares (each has at least @IsOptional). */
function schemaVariables(): Set<string> {
  return new Set(getMetadataStorage().getTargetValidationMetadatas(EnvironmentVariables, '', true, false).map((metadata) => metadata.propertyName));
}

describe('docs/configuration.md', () => {
  it('lists every variable of the configuration schema, and no other', () => {
    const documented = [...documentedVariables()].sort();
    const schema = [...schemaVariables()].sort();
    expect(schema.length).toBeGreaterThan(40);
    expect(documented).toEqual(schema);
  });
});
