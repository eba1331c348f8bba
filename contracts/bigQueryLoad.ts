/**
 * When the BigQuery publisher may change what the transfers load. Every transfer of a stack runs once a day at the
 * same UTC minute (stacks/bigqueryConfig requires a time of day). The publisher replaces a table's `current/` files
 * only outside a quiet window around that minute, and each of its runs ends before the window opens, so a transfer
 * run never lists a table while its files are being replaced. The infra (function timeout, schedule) and the
 * function read these numbers from here.
 */

/** Lambda timeout of the publisher, seconds: one run copies and deletes, then ends or is stopped by Lambda. */
export const PUBLISH_TIMEOUT_SECONDS = 600;

/**
 * Minutes before a transfer's start during which no publish starts. Longer than the publisher's timeout, so a
 * publish that started before the window has ended (or been stopped) when the transfer starts.
 */
export const QUIET_MINUTES_BEFORE = Math.ceil(PUBLISH_TIMEOUT_SECONDS / 60) + 5;

/**
 * Minutes after a transfer's scheduled start during which no publish starts: how long a run may still list and read
 * the files. BigQuery documents no bound for an S3 transfer run; 3 hours is an assumption (README, "Not yet verified").
 */
export const QUIET_MINUTES_AFTER = 180;

/** How often the publisher runs besides the export-completed event: it catches a deferred or failed publish. */
export const PUBLISH_SCHEDULE = "rate(1 hour)";

const DAY_MINUTES = 24 * 60;

/**
 * Undefined when a publish may start at `now`; else the instant the quiet window around the transfers' daily start
 * (`transferMinuteUtc`, minutes after 00:00 UTC) ends. Every day counts, also for schedules with fewer run days.
 */
export function quietUntil(now: Date, transferMinuteUtc: number): Date | undefined {
  if (!Number.isInteger(transferMinuteUtc) || transferMinuteUtc < 0 || transferMinuteUtc >= DAY_MINUTES) {
    throw new RangeError(`transfer minute must be 0..1439, got ${transferMinuteUtc}`);
  }
  const minuteOfDay = now.getUTCHours() * 60 + now.getUTCMinutes() + now.getUTCSeconds() / 60 + now.getUTCMilliseconds() / 60_000;
  // Minutes since the most recent window opened (the window may straddle midnight UTC).
  const sinceOpen = (((minuteOfDay - (transferMinuteUtc - QUIET_MINUTES_BEFORE)) % DAY_MINUTES) + DAY_MINUTES) % DAY_MINUTES;
  const length = QUIET_MINUTES_BEFORE + QUIET_MINUTES_AFTER;
  if (sinceOpen >= length) return undefined;
  return new Date(now.getTime() + (length - sinceOpen) * 60_000);
}
