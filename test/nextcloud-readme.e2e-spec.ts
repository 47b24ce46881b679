import { beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readFileSync } from 'node:fs';
import { marked, type Tokens } from 'marked';
import { loadFixture } from './support/fixtures.js';
import { useRecordingApp } from './support/recording-app.js';

// The README's Nextcloud example must work as a reader pastes it: its body is the real fixture,
// byte for byte, and its `curl` (run here as written, against the booted app) is accepted.

// Asynchronous: the app answers in this very process, so a synchronous child would block it.
const run = async (file: string, args: string[]) => (await promisify(execFile)(file, args, { encoding: 'utf8', timeout: 10_000 })).stdout;

const README = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

/** The code blocks of the README section "Send a Nextcloud delivery". */
function sectionBlocks(): Tokens.Code[] {
  const tokens = marked.lexer(README);
  const start = tokens.findIndex((token) => token.type === 'heading' && (token as Tokens.Heading).text === 'Send a Nextcloud delivery');
  const end = tokens.findIndex((token, index) => index > start && token.type === 'heading');
  return tokens.slice(start, end).filter((token): token is Tokens.Code => token.type === 'code');
}

describe("the README's Nextcloud delivery", () => {
  const [startBlock, httpBlock, curlBlock] = sectionBlocks();

  // The variables the README starts the service with, checked before the app boots with them.
  const env = Object.fromEntries([...startBlock.text.matchAll(/(\w+)=(\S+)/g)].map((match) => [match[1], match[2]]));
  beforeAll(() => expect(env).toEqual({ WEBHOOK_SECRETS: 'dev-secret', WEBHOOK_TOKENS: 'dev-token' }));
  const app = useRecordingApp(env);

  it('shows the fixture: its body byte for byte and its headers', () => {
    const fixture = loadFixture('nextcloud-node-created');
    const [head, body] = httpBlock.text.split('\n\n');
    expect(Buffer.from(body)).toEqual(fixture.body);
    for (const [name, value] of Object.entries(fixture.headers)) {
      expect(head).toContain(`${name}: ${name === 'Authorization' ? 'Bearer dev-token' : value}`);
    }
    expect(head.toLowerCase()).not.toContain('content-type');
  });

  it('is accepted when its curl runs as written, and handled as the Nextcloud event', async () => {
    const script = curlBlock.text.replace('http://localhost:3000', app.t.url).replace('curl -i', 'curl -sS -i');
    const answer = await run('bash', ['-c', script]);
    // The test app runs inline (200 processed); the README's queued default answers 202 accepted.
    expect(answer).toMatch(/^HTTP\/1\.1 200 OK/);
    expect(answer).toMatch(/"status":"processed"/);
    const [{ event }] = app.handled.received;
    expect(event).toMatchObject({ type: 'OCP\\Files\\Events\\Node\\NodeCreatedEvent', format: 'nextcloud', payload: { node: { id: 437 } } });
  });

  it('gets the 415 the README warns of with a plain curl -d', async () => {
    const body = loadFixture('nextcloud-node-created').body.toString('utf8');
    const answer = await run('curl', ['-sS', '-i', `${app.t.url}/webhooks/openregister`, '-H', 'Authorization: Bearer dev-token', '-d', body]);
    expect(answer).toMatch(/^HTTP\/1\.1 415/);
  });
});
