/** Field validators shared by the stack config schema (stacks/config.ts) and its blocks (stacks/goldenConfig.ts). */
import { z } from "zod";

/** EventBridge Scheduler cron: six fields, one of day-of-month and day-of-week is "?". */
export const schedulerCron = z
  .string()
  .trim()
  .refine((expr) => {
    const fields = expr.split(/\s+/);
    if (fields.length !== 6) return false;
    if (!fields.every((f) => /^[0-9A-Z*?,/\-LW#]+$/.test(f))) return false;
    return (fields[2] === "?") !== (fields[4] === "?");
  }, 'must be an EventBridge Scheduler cron with six fields, e.g. "0 0 * * ? *" (one of day-of-month and day-of-week is "?")');

/** An IANA time zone name that Intl understands. */
export const ianaTimezone = z.string().refine((tz) => {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}, "must be an IANA time zone such as Asia/Tokyo");
