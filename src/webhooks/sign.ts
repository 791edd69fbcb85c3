/**
 * The signature header of a delivery, as GitHub's `X-Hub-Signature-256`:
 * `sha256=` and the hex HMAC-SHA256 of the exact body bytes under the
 * endpoint's secret. Receivers compare it in constant time.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-strata-signature-256';

export const signatureOf = (secret: string, body: Buffer | string): string =>
  `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

/** What a receiver does (and the tests do): recompute and compare in constant time. */
export function signatureValid(secret: string, body: Buffer | string, header: string | undefined): boolean {
  if (!header) return false;
  const want = Buffer.from(signatureOf(secret, body));
  const got = Buffer.from(header);
  return want.length === got.length && timingSafeEqual(want, got);
}
