/**
 * The one clock of the test suite. Every cookie or session with an expiry is read and written
 * against this instant (or against the moment the fixture says Rails wrote it), never against the
 * machine's clock, so the suite passes on any date: CI also runs it under a clock decades ahead
 * (`faketime`), and test/clock.test.ts moves the global clock to check the vectors do not care.
 *
 * 2026-11-21 lies after every shared vector was written and before any of them expires, except the
 * ones Rails meant to be expired (2001).
 */
export const PINNED_ISO = "2026-11-21T00:00:00Z";
export const PINNED = new Date(PINNED_ISO);
/** For the jar's `now` option. */
export const pinnedNow = (): Date => new Date(PINNED_ISO);
