import { describe, expect, it } from '@jest/globals';
import { WebhookError } from '../../common/webhook-error.js';
import type { JsonObject } from '../../events/safe-object.js';
import { envelopeLayers, MAX_RETRY_WRAPPINGS } from './retry-envelope.js';

const DATA = { objectType: 'object', action: 'create', object: { id: 'u' }, timestamp: 't0' };
const standard = (data: JsonObject, attempt: number): JsonObject => ({ event: 'E', webhook: { id: 'w' }, data, timestamp: `t${attempt}`, attempt });
const cloud = (data: JsonObject, attempt: number): JsonObject => ({ specversion: '1.0', type: 'E', source: 's', id: `i${attempt}`, time: `t${attempt}`, data: { ...data, webhook: { id: 'w' }, attempt } });

describe('envelopeLayers', () => {
  it('is the envelope alone for a first attempt', () => {
    const body = standard(DATA, 1);
    expect(envelopeLayers({ format: 'openregister', body })).toEqual([{ format: 'openregister', body }]);
  });

  it('unwraps a standard retry to the first attempt, outermost first', () => {
    const first = standard(DATA, 1);
    const third = standard(standard(first, 2), 3);
    const layers = envelopeLayers({ format: 'openregister', body: third });
    expect(layers.map(({ format, body }) => [format, body.attempt])).toEqual([
      ['openregister', 3],
      ['openregister', 2],
      ['openregister', 1],
    ]);
    expect(layers[2].body).toBe(first);
  });

  it('unwraps a CloudEvents retry, and a CloudEvents retry of a standard first attempt', () => {
    const first = cloud(DATA, 1);
    const layers = envelopeLayers({ format: 'cloudevents', body: cloud(first, 2) });
    expect(layers.map(({ format, body }) => [format, body.id])).toEqual([
      ['cloudevents', 'i2'],
      ['cloudevents', 'i1'],
    ]);
    const mixed = envelopeLayers({ format: 'cloudevents', body: cloud(standard(DATA, 1), 2) });
    expect(mixed.map(({ format }) => format)).toEqual(['cloudevents', 'openregister']);
  });

  it("leaves an object's data block alone, and never unwraps the Nextcloud or the guide's envelope", () => {
    expect(envelopeLayers({ format: 'openregister', body: standard({ ...DATA, event: 'not an envelope' }, 1) })).toHaveLength(1);
    expect(envelopeLayers({ format: 'documented', body: { event: 'E', data: standard(DATA, 1) } })).toHaveLength(1);
    expect(envelopeLayers({ format: 'nextcloud', body: { event: { class: 'C' }, data: standard(DATA, 1) } })).toHaveLength(1);
  });

  it(`takes ${MAX_RETRY_WRAPPINGS} wrappings and refuses one more, without recursion`, () => {
    const wrapped = (times: number) => {
      let body = standard(DATA, 1);
      for (let i = 0; i < times; i++) body = standard(body, i + 2);
      return body;
    };
    expect(envelopeLayers({ format: 'openregister', body: wrapped(MAX_RETRY_WRAPPINGS) })).toHaveLength(MAX_RETRY_WRAPPINGS + 1);
    expect(() => envelopeLayers({ format: 'openregister', body: wrapped(MAX_RETRY_WRAPPINGS + 1) })).toThrow(WebhookError);
    expect(() => envelopeLayers({ format: 'openregister', body: wrapped(100_000) })).toThrow(`Retry envelopes are nested deeper than ${MAX_RETRY_WRAPPINGS}`);
  });
});
