import { describe, expect, it } from '@jest/globals';
import { BadRequestException, ConflictException, NotFoundException, UnauthorizedException } from '@nestjs/common';
import { errorCodeOf, toErrorBody } from './error-body.js';

const bodyOf = (exception: { getStatus(): number; getResponse(): string | object }) => toErrorBody(exception.getStatus(), exception.getResponse());

describe('one error shape for the webhook and admin APIs', () => {
  it('gives Nest errors the webhook API\'s codes and a one-sentence message', () => {
    expect(bodyOf(new UnauthorizedException('Invalid admin token'))).toEqual({ statusCode: 401, error: 'unauthorized', message: 'Invalid admin token' });
    expect(bodyOf(new NotFoundException('No delivery x'))).toEqual({ statusCode: 404, error: 'not_found', message: 'No delivery x' });
    expect(bodyOf(new ConflictException('busy'))).toEqual({ statusCode: 409, error: 'conflict', message: 'busy' });
  });

  it('turns a validation list into one message and its details', () => {
    expect(bodyOf(new BadRequestException(['limit must be between 1 and 500', 'offset must be 0 or more']))).toEqual({
      statusCode: 400,
      error: 'invalid',
      message: 'limit must be between 1 and 500; offset must be 0 or more',
      details: ['limit must be between 1 and 500', 'offset must be 0 or more'],
    });
  });

  it('keeps an answer that is not an error message as it is (the health report)', () => {
    const report = { status: 'error', info: {}, error: { store: { status: 'down' } }, details: {} };
    expect(toErrorBody(503, report)).toEqual(report);
  });

  it.each([
    [400, 'invalid'],
    [403, 'forbidden'],
    [413, 'too_large'],
    [415, 'unsupported_media_type'],
    [429, 'throttled'],
    [503, 'unavailable'],
    [418, 'http_418'],
  ])('names status %d %s', (status, code) => {
    expect(errorCodeOf(status)).toBe(code);
  });
});
