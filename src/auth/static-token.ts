import { constantTimeEqual } from './constant-time.js';

/** Headers a static token may arrive in; Nextcloud `webhook_listeners` sends whatever its admin set. */
export interface TokenHeaders {
  authorization?: string;
  'x-api-key'?: string;
}

/** Extracts the token from `Authorization: Bearer <token>` or `X-Api-Key: <token>`. */
export function presentedTokens(headers: TokenHeaders): string[] {
  const tokens: string[] = [];
  const bearer = /^Bearer\s+(.+)$/i.exec(headers.authorization?.trim() ?? '');
  if (bearer) tokens.push(bearer[1].trim());
  if (headers['x-api-key']) tokens.push(headers['x-api-key'].trim());
  return tokens;
}

/** True when any presented token equals any configured one, compared in constant time. */
export function verifyStaticToken(configured: readonly string[], presented: readonly string[]): boolean {
  let valid = false;
  for (const token of presented) {
    for (const expected of configured) {
      if (constantTimeEqual(token, expected)) valid = true;
    }
  }
  return valid;
}
