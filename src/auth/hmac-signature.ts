import { createHmac, timingSafeEqual } from 'node:crypto';

/** The header OpenRegister's webhook service signs with. */
export const HMAC_SIGNATURE_HEADER = 'x-webhook-signature';
/**
 * The same signature under the name OpenRegister's documentation shows (`X-Signature: sha256=<hex>`):
 * a sender set up from the docs must not be refused for following them.
 */
export const HMAC_SIGNATURE_ALIAS_HEADER = 'x-signature';

const SHA256_HEX = /^(?:sha256=)?([0-9a-fA-F]{64})$/;

/**
 * Signs a raw body the way OpenRegister does: lowercase hex HMAC-SHA256, no prefix, no timestamp.
 * The body must be the exact bytes on the wire; PHP's `\/` and `\u00e9` escapes are part of them.
 */
export function signHmac(secret: string, rawBody: Buffer | string): string {
  return createHmac('sha256', secret).update(rawBody).digest('hex');
}

/**
 * Checks an `X-Webhook-Signature` value (hex, optionally `sha256=`-prefixed) against every secret,
 * so a secret can be rotated by listing the old and the new one side by side.
 * @returns the index of the secret that matched, or -1.
 */
export function verifyHmac(
  secrets: readonly string[],
  rawBody: Buffer | string,
  signature: string | undefined,
): number {
  const match = signature ? SHA256_HEX.exec(signature.trim()) : null;
  if (!match) return -1;
  // 32 bytes on both sides (the pattern admits 64 hex digits only, either case): a fixed-length
  // timingSafeEqual leaks nothing, without hex strings and two more hashes per secret.
  const presented = Buffer.from(match[1], 'hex');
  // Every secret is tried even after a match, so timing does not reveal which one is current.
  let found = -1;
  for (let index = 0; index < secrets.length; index++) {
    const expected = createHmac('sha256', secrets[index]).update(rawBody).digest();
    if (timingSafeEqual(expected, presented) && found === -1) found = index;
  }
  return found;
}
