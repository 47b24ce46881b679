/**
 * The operator CLI as an operator runs it: the BUILT dist/cli/main.js (`npm run build`) as a child
 * process, against the fake OpenRegister and a real service (the built one, or the app in-process).
 * Child processes are spawned asynchronously: an in-process app must keep answering meanwhile.
 */
import { Injectable, Module } from '@nestjs/common';
import { afterEach, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ANY_EVENT, OnWebhookEvent } from '../src/handlers/index.js';
import { startFakeOpenRegister, type FakeOpenRegister } from './support/fake-openregister.js';
import { waitFor } from './support/wait-for.js';
import { freePort, ServiceProcess } from './support/service-process.js';
import { createdBodyFor, signedHeaders } from './support/signed-deliveries.js';
import type { TestApp } from './support/test-app.js';
import { useAppsPerTest } from './support/recording-app.js';

const CLI = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const OBJECT_CREATED = 'OCA\\OpenRegister\\Event\\ObjectCreatedEvent';

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI with exactly this environment (nothing inherited but PATH), killed after 20 s. */
function cli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const openRegisterEnv = (fake: FakeOpenRegister, password = fake.password) => ({ OPENREGISTER_URL: fake.url, OPENREGISTER_USERNAME: fake.username, OPENREGISTER_PASSWORD: password });

describe('operator CLI', () => {
  // The in-process apps, closed after each test before the cleanups below (fakes, folders).
  const apps = useAppsPerTest();
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  const fakeOpenRegister = async (options: Parameters<typeof startFakeOpenRegister>[0] = {}) => {
    const fake = await startFakeOpenRegister(options);
    cleanups.push(() => fake.close());
    return fake;
  };

  it('register creates the webhook with a new secret; the service started with it passes every check, its test event included', async () => {
    const fake = await fakeOpenRegister();
    const port = await freePort();
    const webhookUrl = `http://127.0.0.1:${port}/webhooks/openregister`;

    const registered = await cli(['register', '--url', webhookUrl], openRegisterEnv(fake));
    expect(registered.stderr).toBe('');
    expect(registered.code).toBe(0);
    const [webhook] = fake.webhooks;
    expect(fake.webhooks).toHaveLength(1);
    expect(webhook).toMatchObject({ name: 'openregister-webhooks', url: webhookUrl, method: 'POST', events: [OBJECT_CREATED], enabled: true });
    const secret = /^WEBHOOK_SECRETS=([0-9a-f]{64})$/m.exec(registered.stdout)?.[1];
    expect(secret).toBe(webhook.secret);
    expect(registered.stdout).toContain(`Created webhook ${webhook.id} "openregister-webhooks"`);
    expect(registered.stdout).toMatch(/keep the ones it already has/);

    const service = await ServiceProcess.start({ PORT: String(port), WEBHOOK_SECRETS: `old-secret,${secret!}`, DELIVERY_MODE: 'inline', STORE_DRIVER: 'memory' });
    cleanups.push(async () => {
      service.kill('SIGTERM');
      await service.exit();
    });
    await service.ready();

    const checked = await cli(['check', '--service-url', service.url], openRegisterEnv(fake));
    expect(checked.stderr).toBe('');
    expect(checked.stdout.trim().split('\n')).toEqual([
      `✓ OpenRegister answers at ${fake.apiUrl} as ${fake.username} (0 registers visible)`,
      expect.stringMatching(/^✓ change feed available \(cursor \d+\)$/),
      expect.stringMatching(/^✓ audit trail answers \(\d+ entries\)$/),
      `✓ webhook ${webhook.id}: OpenRegister delivered its test event to ${webhookUrl}`,
      `✓ the service at ${service.url} accepted the test event (its signature matched WEBHOOK_SECRETS)`,
    ]);
    expect(checked.code).toBe(0);
    expect(fake.webhookDeliveries.at(-1)).toMatchObject({ event: 'OCA\\OpenRegister\\Event\\TestEvent', status: 200 });

    // A webhook whose secret the service does not have: OpenRegister says delivered, the service's metrics say refused.
    const stale = fake.addWebhook({ name: 'stale', url: webhookUrl, events: [OBJECT_CREATED], secret: 'not-in-webhook-secrets' });
    const refused = await cli(['check', '--webhook-id', String(stale)], { ...openRegisterEnv(fake), SERVICE_URL: service.url });
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain(`✓ webhook ${stale}: OpenRegister delivered its test event`);
    expect(refused.stdout).toMatch(/✗ the service at .* refused a delivery as unauthorized during the test: the webhook's secret is not in the service's WEBHOOK_SECRETS/);

    // Two webhooks now point at the service: without --webhook-id, check asks which; register warns about the same URL.
    const ambiguous = await cli(['check'], openRegisterEnv(fake));
    expect(ambiguous.stdout).toContain(`✗ webhook: 2 in OpenRegister send to /webhooks/openregister (ids ${webhook.id}, ${stale}): name one with --webhook-id`);
    const again = await cli(['register', '--url', webhookUrl, '--name', 'second'], openRegisterEnv(fake));
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(new RegExp(`^note: webhook ${webhook.id}, ${stale} already sent to this URL`));
  });

  it('check with a wrong app password fails naming the credentials, never printing the password', async () => {
    const fake = await fakeOpenRegister();
    const result = await cli(['check'], openRegisterEnv(fake, 'wrong-app-password'));
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^✗ OpenRegister refused the credentials \(401\): the username or the app password is wrong \(OPENREGISTER_USERNAME=admin, OPENREGISTER_PASSWORD\)$/m);
    expect(result.stdout + result.stderr).not.toContain('wrong-app-password');
  });

  it('check against a build without the change feed reports the audit-trail fallback; --password-file and flags replace the environment', async () => {
    const fake = await fakeOpenRegister({ feedAvailable: false });
    const dir = mkdtempSync(join(tmpdir(), 'cli-e2e-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    // As `echo "$PASSWORD" > file` writes it: with a final newline, which is not part of the password.
    writeFileSync(join(dir, 'password'), `${fake.password}\n`);
    const result = await cli(['check', '--openregister-url', fake.url, '--username', fake.username, '--password-file', join(dir, 'password')], { OPENREGISTER_PASSWORD: 'overridden' });
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain(`✓ OpenRegister answers at ${fake.apiUrl} as admin`);
    expect(result.stdout).toContain('! no change feed: catch-up will read the audit trail; it misses bulk imports and purges\n');
    expect(result.stdout).toContain('✓ audit trail answers');
    // No webhook registered yet: that check fails, and so does the command.
    expect(result.stdout).toContain('✗ webhook: none in OpenRegister sends to a URL containing /webhooks/openregister');
    expect(result.code).toBe(1);
  });

  describe('deliveries, through the admin API', () => {
    const TOKEN = 'cli-admin-token';

    @Injectable()
    @OnWebhookEvent(ANY_EVENT)
    class FailingHandler {
      handle(): never {
        throw new Error('GIS is down');
      }
    }
    @Module({ providers: [FailingHandler] })
    class FailingModule {}

    const deadLetterApp = async (): Promise<{ t: TestApp; id: string }> => {
      const { t } = await apps.start(
        { DELIVERY_MODE: 'queued', STORE_DRIVER: 'memory', ADMIN_TOKEN: TOKEN, DELIVERY_MAX_ATTEMPTS: '1', DELIVERY_BACKOFF_BASE_MS: '10', DELIVERY_BACKOFF_MAX_MS: '20' },
        { recording: false, extensions: [FailingModule] },
      );
      const body = createdBodyFor(randomUUID());
      const response = await t.post(body, signedHeaders(body));
      expect(response.status).toBe(202);
      const id = response.body.deliveryId as string;
      await waitFor(async () => (await t.http.get(`/admin/deliveries/${id}`).set({ Authorization: `Bearer ${TOKEN}` })).body.status === 'dead', { timeoutInMs: 10_000, what: 'a dead letter' });
      return { t, id };
    };

    it('lists dead letters as a table or JSON, filters by --since, and replays one and then all', async () => {
      const { t, id } = await deadLetterApp();
      const env = { SERVICE_URL: t.url, ADMIN_TOKEN: TOKEN };

      const listed = await cli(['deliveries', 'list', '--status', 'dead'], env);
      expect(listed.stderr).toBe('');
      expect(listed.code).toBe(0);
      const [header, row, ...rest] = listed.stdout.trimEnd().split('\n');
      expect(header).toMatch(/^ID +STATUS +EVENT +SOURCE +OBJECT +ATTEMPTS +LAST ERROR$/);
      expect(row).toMatch(new RegExp(`^${id} +dead +object\\.created +webhook +[0-9a-f-]{36} +1 +FailingHandler: GIS is down$`));
      expect(rest).toEqual([]);

      const json = await cli(['deliveries', 'list', '--json', '--since', '2000-01-01', '--service-url', t.url, '--admin-token', TOKEN]);
      expect(JSON.parse(json.stdout)).toEqual([expect.objectContaining({ id, status: 'dead', eventType: 'object.created', attempts: 1 })]);
      const future = await cli(['deliveries', 'list', '--since', new Date(Date.now() + 3_600_000).toISOString()], env);
      expect(future.stdout).toBe('No deliveries.\n');

      const replayed = await cli(['deliveries', 'replay', id], env);
      expect(replayed).toEqual({ code: 0, stdout: `Delivery ${id} is queued again.\n`, stderr: '' });
      await waitFor(async () => JSON.parse((await cli(['deliveries', 'list', '--status', 'dead', '--json'], env)).stdout).length === 1, { timeoutInMs: 10_000, what: 'dead again' });
      const all = await cli(['deliveries', 'replay', '--all-dead'], env);
      expect(all).toEqual({ code: 0, stdout: 'Replayed 1 dead letter(s).\n', stderr: '' });

      const unknown = await cli(['deliveries', 'replay', 'no-such-id'], env);
      expect(unknown).toEqual({ code: 1, stdout: '', stderr: 'openregister-webhooks deliveries replay: POST /admin/deliveries/no-such-id/replay answered 404: No delivery no-such-id\n' });
    });

    it('names a wrong token (without printing it) and a service that has no admin API', async () => {
      const { t } = await deadLetterApp();
      const wrong = await cli(['deliveries', 'list'], { SERVICE_URL: t.url, ADMIN_TOKEN: 'not-the-token' });
      expect(wrong.code).toBe(1);
      expect(wrong.stderr).toBe("openregister-webhooks deliveries list: the service refused the admin token (401): ADMIN_TOKEN (or --admin-token) must be the service's ADMIN_TOKEN\n");

      const { t: inline } = await apps.start({ DELIVERY_MODE: 'inline', ADMIN_TOKEN: TOKEN }, { recording: false });
      const none = await cli(['deliveries', 'replay', '--all-dead'], { SERVICE_URL: inline.url, ADMIN_TOKEN: TOKEN });
      expect(none.code).toBe(1);
      expect(none.stderr).toMatch(/no admin API at .*\/admin \(404\): the service serves it only with ADMIN_TOKEN set and DELIVERY_MODE=queued/);
      expect(wrong.stderr + none.stderr).not.toMatch(/not-the-token|cli-admin-token/);
    });
  });
});
