import { describe, expect, it } from '@jest/globals';
import type { OpenRegisterEvent, OpenRegisterObject } from '../events/openregister-event.js';
import { changeIdentity } from './change-identity.js';

const UUID = '7c1f0b52-3a4e-4c7d-9b8e-2f5a6d1e0c93';
const object = (data: Record<string, unknown>, meta: Record<string, unknown> = {}): OpenRegisterObject => ({ uuid: UUID, register: '5', schema: '12', data, meta });
const event = (type: string, fields: Partial<OpenRegisterEvent>): OpenRegisterEvent => ({ type, eventClass: 'x', format: 'openregister', occurredAt: '2026-05-15T10:00:00.000Z', ...fields });

describe('changeIdentity', () => {
  it('is the uuid alone for a creation, whatever state of the object came with it', () => {
    const pushed = event('object.created', { object: object({ title: 'a' }, { version: '1.0.0' }) });
    const pulledLater = event('object.created', { format: 'feed', source: 'catch-up', object: object({ title: 'b' }, { version: '1.0.2' }) });
    expect(changeIdentity(pushed)).toBe(`object.created/${UUID}`);
    expect(changeIdentity(pulledLater)).toBe(changeIdentity(pushed));
  });

  it('is the uuid alone for a deletion, so a soft delete and the purge after it are one', () => {
    const softDeleted = event('object.deleted', { object: object({}), deletion: { deletedAt: '2026-05-15T10:00:00+00:00' } });
    const purged = event('object.deleted', { format: 'feed', source: 'catch-up', object: object({}), deletion: { purged: true } });
    expect(changeIdentity(softDeleted)).toBe(`object.deleted/${UUID}`);
    expect(changeIdentity(purged)).toBe(changeIdentity(softDeleted));
  });

  it('reads the uuid of a deletion that carries only the previous state', () => {
    expect(changeIdentity(event('object.deleted', { previous: object({}) }))).toBe(`object.deleted/${UUID}`);
  });

  it('is the same for an update that produced the same state, and differs for another state', () => {
    const update = (data: Record<string, unknown>, meta: Record<string, unknown>) => changeIdentity(event('object.updated', { object: object(data, meta) }));
    const base = update({ city: 'Utrecht', n: 12n ** 20n }, { updated: '2026-05-15T10:00:00+00:00', version: '1.0.3' });
    expect(base).toMatch(new RegExp(`^object\\.updated/${UUID}/[0-9a-f]{64}$`));
    expect(update({ n: 12n ** 20n, city: 'Utrecht' }, { updated: '2026-05-15T10:00:00+00:00', version: '1.0.3', owner: 'x' })).toBe(base);
    expect(update({ city: 'Amersfoort', n: 12n ** 20n }, { updated: '2026-05-15T10:00:00+00:00', version: '1.0.3' })).not.toBe(base);
    expect(update({ city: 'Utrecht', n: 12n ** 20n }, { updated: '2026-05-15T10:00:00+00:00', version: '1.0.4' })).not.toBe(base);
    expect(update({ city: 'Utrecht', n: 12n ** 20n }, { updated: '2026-05-15T10:00:01+00:00', version: '1.0.3' })).not.toBe(base);
  });

  it('is undefined for other events and for events without an object', () => {
    expect(changeIdentity(event('object.locked', { object: object({}) }))).toBeUndefined();
    expect(changeIdentity(event('object.created', {}))).toBeUndefined();
    expect(changeIdentity(event('test', {}))).toBeUndefined();
  });
});
