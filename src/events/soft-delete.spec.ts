import { describe, expect, it } from '@jest/globals';
import type { OpenRegisterObject } from './openregister-event.js';
import { deletionOf, lifecycleType } from './soft-delete.js';

const withMeta = (meta: Record<string, unknown>): OpenRegisterObject => ({ uuid: 'u', data: {}, meta });
const DELETED = { deletedBy: 'admin', deletedAt: '2026-05-15T10:00:00+00:00', objectId: 'u', organisation: 'org-1', retentionPeriod: 30 };

describe('soft delete', () => {
  it('reads OpenRegister deletion metadata from @self.deleted', () => {
    expect(deletionOf(withMeta({ deleted: DELETED }))).toEqual({ deletedBy: 'admin', deletedAt: '2026-05-15T10:00:00+00:00', objectId: 'u', organisation: 'org-1' });
  });

  it.each([[null], [[]], [{}], [undefined], ['yes']])('sees no deletion in deleted=%p', (deleted) => {
    expect(deletionOf(withMeta({ deleted }))).toBeUndefined();
  });

  it('turns an update of an object in the trash into its deletion, and leaves other types alone', () => {
    expect(lifecycleType('object.updated', withMeta({ deleted: DELETED }))).toEqual({ type: 'object.deleted', deletion: expect.objectContaining({ deletedBy: 'admin' }) });
    expect(lifecycleType('object.updated', withMeta({ deleted: null }))).toEqual({ type: 'object.updated' });
    expect(lifecycleType('object.created', withMeta({ deleted: DELETED }))).toEqual({ type: 'object.created' });
  });
});
