import { timingSafeEqual } from "node:crypto";

/**
 * `ActiveSupport::SecurityUtils.secure_compare` (activesupport/lib/active_support/security_utils.rb):
 * a length check, then a constant-time comparison. The length of a MAC is public.
 */
export function secureCompare(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
