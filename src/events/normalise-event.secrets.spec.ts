import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { parseDelivery } from '../ingest/parse-delivery.js';
import { normaliseEvent } from './normalise-event.js';

const bytesOf = (name: string) => readFileSync(new URL(`../../test/fixtures/${name}.json`, import.meta.url));
const fromFixture = async (name: string) => normaliseEvent(await parseDelivery(bytesOf(name)), new Date('2030-01-01T00:00:00.000Z'));

// The credentials senders put into payloads reach the event as sent: handlers may need them.
// Keeping them out of everything else is RedactionPolicy's job, not the normaliser's.
describe('credentials inside payloads, as normalised', () => {
  it("keeps Nextcloud's tokens (tokenNeeded), which sit beside `event` in the body", async () => {
    const event = await fromFixture('nextcloud-node-created-with-tokens');
    expect(event.tokens).toEqual({
      user_ids: { jane: 'Fk3Tq-Wm8Za-Rp4Xc-Hn7Ld-Yb2Sg' },
      user_roles: { owner: { admin: 'Qz6Mx-Tc9Pa-Lw3Ek-Sj5Rn-Ga8Vd' }, trigger: { admin: 'Nd4Yp-Kx7Bw-Ej2Hm-Zr9Ts-Ca6Lq' } },
    });
    expect(event.user).toEqual({ uid: 'admin', displayName: 'Administrator' });
  });

  it('has no tokens for a Nextcloud delivery without them', async () => {
    expect(await fromFixture('nextcloud-node-created')).not.toHaveProperty('tokens');
  });

  it("keeps the request headers OpenRegister's pre-request interception copied into its CloudEvent", async () => {
    const event = await fromFixture('openregister-cloudevent-intercepted-creating');
    expect(event).toMatchObject({ type: 'object.creating', format: 'cloudevents' });
    const payload = event.payload as { cloudEvent: { data: { headers: Record<string, string> } } };
    expect(payload.cloudEvent.data.headers.Authorization).toBe('Basic YWRtaW46b3Itc2VjcmV0LXBhc3N3b3JkLTE=');
  });
});
