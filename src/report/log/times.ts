// Timestamps of the operation log: ISO 8601 for tables and TSV/CSV, ctime-style for xferlog.
// Capture times are seconds since the epoch; 'utc' is the default zone because a capture is
// usually read far from (and long after) where it was taken; 'local' is the reader's zone (TZ).

export const TIME_ZONES = ['utc', 'local'] as const;
export type TimeZoneChoice = (typeof TIME_ZONES)[number];

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;

interface Parts {
  year: number;
  month: number; //   0-11
  day: number; //     1-31
  weekday: number; // 0 = Sunday
  hour: number;
  minute: number;
  second: number;
  ms: number;
  offsetMin: number; // minutes east of UTC (0 for 'utc')
}

function parts(t: number, tz: TimeZoneChoice): Parts {
  const d = new Date(Math.floor(t * 1000));
  if (tz === 'utc') {
    return {
      year: d.getUTCFullYear(), month: d.getUTCMonth(), day: d.getUTCDate(), weekday: d.getUTCDay(),
      hour: d.getUTCHours(), minute: d.getUTCMinutes(), second: d.getUTCSeconds(), ms: d.getUTCMilliseconds(), offsetMin: 0,
    };
  }
  return {
    year: d.getFullYear(), month: d.getMonth(), day: d.getDate(), weekday: d.getDay(),
    hour: d.getHours(), minute: d.getMinutes(), second: d.getSeconds(), ms: d.getMilliseconds(), offsetMin: -d.getTimezoneOffset(),
  };
}

const p2 = (n: number) => String(n).padStart(2, '0');

function offsetText(min: number, tz: TimeZoneChoice): string {
  if (tz === 'utc') return 'Z';
  const sign = min < 0 ? '-' : '+';
  const a = Math.abs(min);
  return `${sign}${p2(Math.floor(a / 60))}:${p2(a % 60)}`;
}

/** 2026-11-21T13:25:35.383Z (utc) or 2026-11-21T14:25:35.383+01:00 (local). */
export function isoTime(t: number, tz: TimeZoneChoice): string {
  const p = parts(t, tz);
  return `${p.year}-${p2(p.month + 1)}-${p2(p.day)}T${p2(p.hour)}:${p2(p.minute)}:${p2(p.second)}.${String(p.ms).padStart(3, '0')}${offsetText(p.offsetMin, tz)}`;
}

/** The calendar day, 2026-11-21, and the time of day, 13:25:35.383 (tables print the day once). */
export function dayAndClock(t: number, tz: TimeZoneChoice): { day: string; clock: string } {
  const p = parts(t, tz);
  return {
    day: `${p.year}-${p2(p.month + 1)}-${p2(p.day)}`,
    clock: `${p2(p.hour)}:${p2(p.minute)}:${p2(p.second)}.${String(p.ms).padStart(3, '0')}`,
  };
}

/** The zone as a table caption shows it: 'UTC' or 'UTC+01:00'. */
export function zoneLabel(t: number, tz: TimeZoneChoice): string {
  if (tz === 'utc') return 'UTC';
  return `UTC${offsetText(parts(t, tz).offsetMin, tz)}`;
}

// Wed Nov 19 13:07:40 2026     Sat Nov  1 09:00:00 2026
/** xferlog(5)'s current-time, "DDD MMM dd hh:mm:ss YYYY", with the day of the month padded by a
 *  space as ctime(3) and vsftpd write it (so a single-digit day leaves two spaces). */
export function xferlogTime(t: number, tz: TimeZoneChoice): string {
  const p = parts(t, tz);
  return `${DAYS[p.weekday]} ${MONTHS[p.month]} ${String(p.day).padStart(2, ' ')} ${p2(p.hour)}:${p2(p.minute)}:${p2(p.second)} ${p.year}`;
}
