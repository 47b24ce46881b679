import { describe, expect, it } from '@jest/globals';
import { parseDelivery } from './parse-delivery.js';

// A user schema may well have a field called "constructor" (a building's constructor, say).
describe('parseDelivery with a user field named constructor', () => {
  it('accepts an OpenRegister object with a top-level constructor field', async () => {
    const bytes = Buffer.from('{"event":"OCA\\\\OpenRegister\\\\Event\\\\ObjectCreatedEvent","webhook":{},"data":{"objectType":"object","object":{"id":"u","constructor":"Brunel"}},"attempt":1}');
    const { format, body } = await parseDelivery(bytes);
    expect(format).toBe('openregister');
    expect(((body.data as any).object as any).constructor).toBe('Brunel');
  });

  it('accepts a guide-shaped object with a constructor field under data', async () => {
    const bytes = Buffer.from('{"event":"OCA\\\\OpenRegister\\\\Event\\\\ObjectUpdatedEvent","data":{"newObject":{"uuid":"u","data":{"constructor":"Brunel"}}}}');
    await expect(parseDelivery(bytes)).resolves.toMatchObject({ format: 'documented' });
  });

  it('accepts a Nextcloud newObject with a nested constructor field', async () => {
    const bytes = Buffer.from('{"event":{"class":"OCA\\\\OpenRegister\\\\Event\\\\ObjectUpdatedEvent","newObject":{"id":"u","builder":{"constructor":"Brunel"}}},"time":1}');
    await expect(parseDelivery(bytes)).resolves.toMatchObject({ format: 'nextcloud' });
  });
});
