import { describe, expect, it } from '@jest/globals';
import type { OpenRegisterEvent } from '../events/openregister-event.js';
import { REDACTED, RedactionPolicy } from './redaction.policy.js';

const policy = new RedactionPolicy();

describe('RedactionPolicy', () => {
  it.each(['Authorization', 'Cookie', 'Proxy-Authorization', 'X-Api-Key', 'Set-Cookie', 'tokens', 'X-Signature'])('blanks %s by default', (key) => {
    expect(policy.redact({ [key]: 'secret-value' })).toEqual({ [key]: REDACTED });
  });

  it("blanks Nextcloud's whole tokens block (tokenNeeded)", () => {
    const body = { event: { class: 'X' }, user: { uid: 'admin' }, time: 1, tokens: { user_ids: { jane: 'AAAAA-BBBBB' }, user_roles: { owner: { admin: 'CCCCC-DDDDD' } } } };
    expect(JSON.stringify(policy.redact(body))).not.toMatch(/AAAAA|CCCCC/);
    expect(policy.redact(body)).toEqual({ ...body, tokens: REDACTED });
  });

  it('blanks the headers an OpenRegister CloudEvent copies from the intercepted request', () => {
    const payload = { cloudEvent: { data: { headers: { 'Content-Type': 'application/json', Authorization: 'Basic YWRtaW46YWRtaW4=', Cookie: 'oc_session=s' } } } };
    expect(policy.redact(payload)).toEqual({ cloudEvent: { data: { headers: { 'Content-Type': 'application/json', Authorization: REDACTED, Cookie: REDACTED } } } });
  });

  it('adds the configured keys (REDACT_FIELDS), case-insensitively', () => {
    const custom = new RedactionPolicy(['X-Nc-Session', 'bsn']);
    expect(custom.redact({ 'x-nc-session': 'a', BSN: '123456782', title: 't' })).toEqual({ 'x-nc-session': REDACTED, BSN: REDACTED, title: 't' });
    expect(policy.redact({ bsn: '123456782' })).toEqual({ bsn: '123456782' });
  });

  it('returns the very same value when there is nothing to blank', () => {
    const event = { type: 'object.created', object: { uuid: 'u', data: { title: 't', tags: ['a'] }, meta: { authorization: [] } } };
    expect(policy.redact(event)).toBe(event);
  });

  it('copies only what it blanks and keeps the key order', () => {
    const shared = { title: 't' };
    const event = { a: shared, b: { token: 'x' }, c: [1, { password: 'p' }] };
    const redacted = policy.redact(event);
    expect(redacted.a).toBe(shared);
    expect(Object.keys(redacted)).toEqual(['a', 'b', 'c']);
    expect(redacted.c).toEqual([1, { password: REDACTED }]);
    expect(event.b.token).toBe('x');
  });

  it('is idempotent: a redacted event is returned as it is', () => {
    const once = policy.redact({ headers: { authorization: 'Bearer x' } });
    expect(policy.redact(once)).toBe(once);
  });

  it('redacts an event, and field changes by their path', () => {
    const event = { type: 'x', eventClass: 'x', format: 'cloudevents', occurredAt: 'now', payload: { headers: { Cookie: 'c' } } } as OpenRegisterEvent;
    expect(policy.redactEvent(event).payload).toEqual({ headers: { Cookie: REDACTED } });
    const custom = new RedactionPolicy(['pin']);
    expect(custom.redactChanges([{ path: '/pin', op: 'replace', oldValue: '1', newValue: '2' }])).toEqual([{ path: '/pin', op: 'replace', oldValue: REDACTED, newValue: REDACTED }]);
  });

  it('blanks the old value of a credential the change removed, by its path', () => {
    expect(policy.redactChanges([{ path: '/password', op: 'remove', oldValue: 'old-password-1' }])).toEqual([{ path: '/password', op: 'remove', oldValue: REDACTED }]);
  });

  it('blanks a credential nested in the old value of a change, and in the new one', () => {
    const changes = [
      { path: '/api', op: 'remove' as const, oldValue: { url: 'https://gis.example', token: 'old-token-1' } },
      { path: '/headers', op: 'replace' as const, oldValue: { Authorization: 'Bearer old-token-2' }, newValue: { Authorization: 'Bearer new-token-3' } },
    ];
    expect(policy.redactChanges(changes)).toEqual([
      { path: '/api', op: 'remove', oldValue: { url: 'https://gis.example', token: REDACTED } },
      { path: '/headers', op: 'replace', oldValue: { Authorization: REDACTED }, newValue: { Authorization: REDACTED } },
    ]);
  });
});
