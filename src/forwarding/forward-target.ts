/** What a forwarding URL is requested as, and what it may be shown as. */
export interface ForwardTarget {
  /** The URL without its user info: fetch refuses URLs that carry credentials. */
  url: string;
  /** For logs and errors: user info and every query value replaced with `***`. */
  display: string;
  /** `Basic …` built from the URL's user info, when it has any. */
  authorization?: string;
}

const MASK = '***';

/**
 * Splits a configured forwarding URL (`https://user:pass@host/path?key=…`) into the URL to
 * request, the `Authorization` header its user info stands for, and a masked form for messages.
 */
export function parseForwardTarget(raw: string): ForwardTarget {
  const url = new URL(raw);
  let authorization: string | undefined;
  if (url.username || url.password) {
    const credentials = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
    authorization = `Basic ${Buffer.from(credentials, 'utf8').toString('base64')}`;
    url.username = '';
    url.password = '';
  }
  return { url: url.href, display: maskUrl(raw), ...(authorization ? { authorization } : {}) };
}

/**
 * A URL safe to log: user info becomes `***@`, each query value `***` (tokens often travel
 * there: `?code=…`, `?token=…`). Something that is not a URL is not echoed at all.
 */
export function maskUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return '[invalid URL]';
  }
  if (url.username || url.password) {
    url.username = MASK;
    url.password = '';
  }
  for (const key of new Set(url.searchParams.keys())) url.searchParams.set(key, MASK);
  return url.href;
}
