import { BadRequestException, ValidationPipe } from '@nestjs/common';
import { describe, expect, it } from '@jest/globals';
import { DeleteDeliveriesQuery, ListDeliveriesQuery } from './deliveries.query.js';

const pipe = new ValidationPipe({ transform: true, whitelist: true, forbidNonWhitelisted: true });
const parse = <T>(metatype: new () => T, query: Record<string, unknown>) => pipe.transform(query, { type: 'query', metatype }) as Promise<T>;
const reasons = async (metatype: new () => unknown, query: Record<string, unknown>) => {
  try {
    await parse(metatype, query);
  } catch (error) {
    expect(error).toBeInstanceOf(BadRequestException);
    return ((error as BadRequestException).getResponse() as { message: string[] }).message;
  }
  throw new Error('expected a 400');
};

describe('ListDeliveriesQuery', () => {
  it('defaults to the first 50 of every status', async () => {
    expect(await parse(ListDeliveriesQuery, {})).toEqual(Object.assign(new ListDeliveriesQuery(), { limit: 50, offset: 0 }));
  });

  it('turns the strings of a query into numbers', async () => {
    expect(await parse(ListDeliveriesQuery, { status: 'dead', limit: '500', offset: '20' })).toMatchObject({ status: 'dead', limit: 500, offset: 20 });
    expect(await parse(ListDeliveriesQuery, { limit: '1' })).toMatchObject({ limit: 1, offset: 0 });
  });

  it.each([
    [{ status: 'failed' }, 'status must be one of queued, processing, succeeded, dead'],
    [{ status: ['dead', 'queued'] }, 'status must be one of queued, processing, succeeded, dead'],
    [{ limit: '0' }, 'limit must be between 1 and 500'],
    [{ limit: '501' }, 'limit must be between 1 and 500'],
    [{ limit: '' }, 'limit must be between 1 and 500'],
    [{ limit: 'all' }, 'limit must be a whole number'],
    [{ offset: '-1' }, 'offset must be 0 or more'],
    [{ offset: '2.5' }, 'offset must be a whole number'],
    [{ page: '2' }, 'property page should not exist'],
  ])('refuses %j', async (query, reason) => {
    expect(await reasons(ListDeliveriesQuery, query)).toContain(reason);
  });
});

describe('DeleteDeliveriesQuery', () => {
  it.each(['2026-01-31', '2026-01-31T12:00:00Z', '2026-01-31T12:00:00.123+01:00'])('accepts %s', async (before) => {
    expect(await parse(DeleteDeliveriesQuery, { before })).toMatchObject({ before });
  });

  it('refuses {} saying before is required, not that it is malformed', async () => {
    expect(await reasons(DeleteDeliveriesQuery, {})).toEqual([expect.stringMatching(/^before is required: .*\?before=/)]);
  });

  it.each([{ before: '' }, { before: 'last week' }, { before: '2026-02-30' }, { before: '1769860800000' }])('refuses %j', async (query) => {
    expect(await reasons(DeleteDeliveriesQuery, query)).toEqual([expect.stringContaining('before must be an ISO 8601 date')]);
  });
});
