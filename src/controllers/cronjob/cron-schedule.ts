// Standard cron schedules (pure), as the robfig/cron parser upstream uses: five fields
// (minute hour day-of-month month day-of-week) with `*`, `?`, lists, ranges, steps and month/day
// names, the @yearly/@annually/@monthly/@weekly/@daily/@midnight/@hourly macros, an optional
// CRON_TZ=/TZ= prefix, and evaluation in an IANA time zone. When both day fields are
// restricted, a day matches if either does (cron's OR rule).

export interface CronSchedule {
  minute: Uint8Array;
  hour: Uint8Array;
  dom: Uint8Array;
  month: Uint8Array;
  dow: Uint8Array;
  /** Either day field was `*`/`?`: the day fields are ANDed instead of ORed. */
  dayStar: boolean;
  timeZone?: string;
}

const MACROS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

interface Bounds {
  min: number;
  max: number;
  names?: string[];
  nameBase?: number;
}

function value(s: string, b: Bounds): number {
  const lower = s.toLowerCase();
  const named = b.names?.indexOf(lower) ?? -1;
  if (named >= 0) return named + (b.nameBase ?? 0);
  if (!/^[0-9]+$/.test(s)) throw new Error(`failed to parse int from ${s}`);
  return Number(s);
}

/** Parses one field into a membership table; reports whether it was a bare star. */
function parseField(field: string, b: Bounds, out: Uint8Array): boolean {
  let star = false;
  for (const part of field.split(',')) {
    const [rangePart, stepPart, extra] = part.split('/');
    if (extra !== undefined || rangePart === undefined || rangePart === '') throw new Error(`invalid cron field: ${part}`);
    let lo: number;
    let hi: number;
    let partStar = false;
    if (rangePart === '*' || rangePart === '?') {
      lo = b.min;
      hi = b.max;
      partStar = true;
    } else {
      const dash = rangePart.indexOf('-');
      lo = value(dash < 0 ? rangePart : rangePart.slice(0, dash), b);
      hi = dash < 0 ? lo : value(rangePart.slice(dash + 1), b);
    }
    let step = 1;
    if (stepPart !== undefined) {
      if (!/^[0-9]+$/.test(stepPart) || Number(stepPart) === 0) throw new Error(`invalid step: ${part}`);
      step = Number(stepPart);
      if (!partStar && !rangePart.includes('-')) hi = b.max; // "N/step" means N-max/step
      if (step > 1) partStar = false;
    }
    if (lo < b.min || hi > b.max || lo > hi) throw new Error(`value out of range (${b.min}-${b.max}): ${part}`);
    for (let v = lo; v <= hi; v += step) out[v] = 1;
    star ||= partStar;
  }
  return star;
}

export function parseCronSchedule(spec: string, timeZone?: string): CronSchedule {
  let s = spec.trim();
  let tz = timeZone;
  const tzm = /^(CRON_TZ|TZ)=(\S+)\s+(.*)$/.exec(s);
  if (tzm) {
    tz = tzm[2];
    s = tzm[3]!.trim();
  }
  if (s.startsWith('@')) {
    const macro = MACROS[s.toLowerCase()];
    if (!macro) throw new Error(`unrecognized descriptor: ${s}`);
    s = macro;
  }
  const fields = s.split(/\s+/);
  if (fields.length !== 5) throw new Error(`expected exactly 5 fields, found ${fields.length}: ${spec}`);
  const sched: CronSchedule = {
    minute: new Uint8Array(60),
    hour: new Uint8Array(24),
    dom: new Uint8Array(32),
    month: new Uint8Array(13),
    dow: new Uint8Array(8),
    dayStar: false,
    timeZone: tz,
  };
  parseField(fields[0]!, { min: 0, max: 59 }, sched.minute);
  parseField(fields[1]!, { min: 0, max: 23 }, sched.hour);
  const domStar = parseField(fields[2]!, { min: 1, max: 31 }, sched.dom);
  parseField(fields[3]!, { min: 1, max: 12, names: MONTHS, nameBase: 1 }, sched.month);
  const dowStar = parseField(fields[4]!, { min: 0, max: 7, names: DAYS }, sched.dow);
  if (sched.dow[7]) sched.dow[0] = 1;
  sched.dayStar = domStar || dowStar;
  if (tz) zoneFormatter(tz); // throws RangeError for an unknown zone
  return sched;
}

interface WallClock {
  year: number;
  month: number; // 1-12
  day: number;
  hour: number;
  minute: number;
  weekday: number; // 0 = Sunday
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function zoneFormatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', weekday: 'short' });
    formatters.set(tz, f);
  }
  return f;
}

export function wallClock(ms: number, tz: string | undefined): WallClock {
  if (!tz || tz === 'UTC' || tz === 'Etc/UTC') {
    const d = new Date(ms);
    return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: d.getUTCHours(), minute: d.getUTCMinutes(), weekday: d.getUTCDay() };
  }
  const w: WallClock = { year: 0, month: 0, day: 0, hour: 0, minute: 0, weekday: 0 };
  for (const p of zoneFormatter(tz).formatToParts(new Date(ms))) {
    if (p.type === 'year') w.year = Number(p.value);
    else if (p.type === 'month') w.month = Number(p.value);
    else if (p.type === 'day') w.day = Number(p.value);
    else if (p.type === 'hour') w.hour = Number(p.value) % 24;
    else if (p.type === 'minute') w.minute = Number(p.value);
    else if (p.type === 'weekday') w.weekday = DAYS.indexOf(p.value.slice(0, 3).toLowerCase());
  }
  return w;
}

const daysInMonth = (year: number, month: number): number => new Date(Date.UTC(year, month, 0)).getUTCDate();

function dayMatches(s: CronSchedule, w: WallClock): boolean {
  const dom = s.dom[w.day] === 1;
  const dow = s.dow[w.weekday] === 1;
  return s.dayStar ? dom && dow : dom || dow;
}

const MINUTE = 60_000;

/** The first scheduled minute strictly after `after`, or undefined if none within five years. */
export function nextScheduleTime(s: CronSchedule, after: Date): Date | undefined {
  let t = Math.floor(after.getTime() / MINUTE) * MINUTE + MINUTE;
  const limit = after.getTime() + 5 * 366 * 24 * 60 * MINUTE;
  while (t <= limit) {
    const w = wallClock(t, s.timeZone);
    if (!s.month[w.month]) {
      t += ((daysInMonth(w.year, w.month) - w.day + 1) * 1440 - w.hour * 60 - w.minute) * MINUTE;
    } else if (!dayMatches(s, w)) {
      t += (1440 - w.hour * 60 - w.minute) * MINUTE;
    } else if (!s.hour[w.hour]) {
      t += (60 - w.minute) * MINUTE;
    } else if (!s.minute[w.minute]) {
      t += MINUTE;
    } else {
      return new Date(t);
    }
  }
  return undefined;
}

/** RFC 3339 in the schedule's zone (seconds precision), as upstream's scheduled-timestamp annotation. */
export function formatInZone(d: Date, tz: string | undefined): string {
  const w = wallClock(d.getTime(), tz);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, d.getUTCSeconds());
  const offsetMin = Math.round((asUtc - Math.floor(d.getTime() / 1000) * 1000) / MINUTE);
  const pad = (n: number, l = 2): string => String(n).padStart(l, '0');
  const base = `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}T${pad(w.hour)}:${pad(w.minute)}:${pad(d.getUTCSeconds())}`;
  if (offsetMin === 0) return `${base}Z`;
  const sign = offsetMin < 0 ? '-' : '+';
  const abs = Math.abs(offsetMin);
  return `${base}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}
