import { isAscii } from 'node:buffer';
import { validateSync, ValidationError, ValidatorOptions } from 'class-validator';
import { WebhookError } from '../common/webhook-error.js';
import { JsonDepthError, parseExactJson } from '../events/exact-json.js';
import { EnvelopeFormat } from '../events/openregister-event.js';
import { isJsonObject, JsonObject } from '../events/safe-object.js';
import { DtoClass, toDtoInstance } from './envelopes/dto-instance.js';
import { detectFormat, ENVELOPE_DTOS } from './envelopes/envelope-format.js';
import { envelopeLayers, type EnvelopeLayer } from './envelopes/retry-envelope.js';

/**
 * Most arrays and objects a body may nest inside one another, the outermost counting as 1: PHP's
 * `json_encode` refuses deeper values by default, so no genuine sender writes one. Checked
 * iteratively right after parsing, so nothing after it (validation, normalisation, the idempotency
 * key, the store) ever walks a deeper value.
 */
export const MAX_BODY_DEPTH = 512;

/** A body that is well-formed JSON in one of the known envelopes. */
export interface ParsedDelivery {
  /** The format of the envelope the event is read from. */
  format: EnvelopeFormat;
  /**
   * The parsed envelope the event is read from, never a re-built copy: user fields stay exactly as
   * sent (integers past 2^53 as `bigint`). For a retry of OpenRegister's, the innermost envelope.
   */
  body: JsonObject;
  /**
   * Only for a retry that wraps earlier envelopes: the outermost one, as sent for this attempt
   * (its `timestamp` or `time` is when this attempt was sent).
   */
  sentAs?: EnvelopeLayer;
}

/**
 * Parses raw bytes (only ever after they were authenticated), unwraps OpenRegister's retry
 * envelopes and validates every envelope against the DTO of its format.
 * @throws WebhookError `malformed` for bytes that are not a JSON object or nest deeper than
 *   MAX_BODY_DEPTH, `invalid` with every validation message for a body that breaks its envelope's rules.
 */
export async function parseDelivery(rawBody: Buffer): Promise<ParsedDelivery> {
  const body = parseJson(rawBody);
  const format = detectFormat(body);
  if (!format) {
    throw new WebhookError('invalid', 'Body is not an OpenRegister, CloudEvents or Nextcloud webhook envelope', [
      'event must be a string (OpenRegister) or an object with a class (Nextcloud), or specversion must be set (CloudEvents), or notification and object must be set (OpenRegister schema notification)',
    ]);
  }
  const layers = envelopeLayers({ format, body });
  for (const layer of layers) validate(layer);
  const inner = layers[layers.length - 1];
  return layers.length === 1 ? inner : { ...inner, sentAs: layers[0] };
}

function validate({ format, body }: EnvelopeLayer): void {
  const dtoClass: DtoClass = ENVELOPE_DTOS[format];
  // Every constraint here is synchronous; validateSync spares a promise per constraint.
  const errors = validateSync(toDtoInstance(dtoClass, body), VALIDATION);
  if (errors.length > 0) {
    throw new WebhookError('invalid', `Invalid ${format} envelope`, flatten(errors));
  }
}

/** The refusal lists only the messages, so errors need neither the DTO nor the value. */
const VALIDATION: ValidatorOptions = { forbidUnknownValues: true, validationError: { target: false, value: false } };

function parseJson(rawBody: Buffer): JsonObject {
  let parsed: unknown;
  try {
    parsed = parseExactJson(textOf(rawBody), { maxDepth: MAX_BODY_DEPTH });
  } catch (error) {
    if (error instanceof JsonDepthError) {
      throw new WebhookError('malformed', `Body is nested deeper than ${MAX_BODY_DEPTH} levels`, [
        `arrays and objects may be nested at most ${MAX_BODY_DEPTH} levels deep (as PHP's json_encode writes them)`,
      ]);
    }
    throw new WebhookError('malformed', 'Body is not valid JSON', [(error as Error).message]);
  }
  if (!isJsonObject(parsed)) throw new WebhookError('malformed', 'Body must be a JSON object');
  return parsed;
}

/**
 * PHP's json_encode escapes every non-ASCII character, so OpenRegister's bodies are pure ASCII,
 * which reads as latin1 to the very same string as UTF-8 and about twice as fast for big bodies.
 */
function textOf(rawBody: Buffer): string {
  return isAscii(rawBody) ? rawBody.toString('latin1') : rawBody.toString('utf8');
}

function flatten(errors: ValidationError[], prefix = ''): string[] {
  return errors.flatMap((error) => {
    const path = prefix + error.property;
    const own = Object.values(error.constraints ?? {}).map((message) =>
      message.startsWith(error.property) ? prefix + message : `${path}: ${message}`,
    );
    return [...own, ...flatten(error.children ?? [], `${path}.`)];
  });
}
