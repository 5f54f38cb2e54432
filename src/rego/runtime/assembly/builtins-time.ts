// Calendar built-ins that need no clock: time.parse_rfc3339_ns, time.date, time.clock,
// time.weekday, time.add_date. Times are i64 nanoseconds since the Unix epoch (UTC). A time given
// as [ns, tz] accepts only "UTC", "" and "Local" (Wasm has no zone database and no local zone, so
// Local is UTC); other zones make the call undefined. time.now_ns stays a host built-in.

import { T_NUMBER, T_STRING, T_ARRAY, typeOf, makeString, strLen, strPtr, arrLen, arrGet, makeArray, arrPush, bytesEqual } from "./values";
import { makeInt, toI64, intOut } from "./numbers";
import {
  S_UTC, S_UTC_LEN, S_LOCAL, S_LOCAL_LEN, S_DAY_SUNDAY, S_DAY_SUNDAY_LEN, S_DAY_MONDAY, S_DAY_MONDAY_LEN,
  S_DAY_TUESDAY, S_DAY_TUESDAY_LEN, S_DAY_WEDNESDAY, S_DAY_WEDNESDAY_LEN, S_DAY_THURSDAY,
  S_DAY_THURSDAY_LEN, S_DAY_FRIDAY, S_DAY_FRIDAY_LEN, S_DAY_SATURDAY, S_DAY_SATURDAY_LEN,
} from "./generated-strings";

const NS_PER_SEC: i64 = 1000000000;
const NS_PER_DAY: i64 = 86400 * NS_PER_SEC;

@inline
function floorDiv(a: i64, b: i64): i64 {
  const q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

// Days since 1970-01-01 of a proleptic Gregorian date (month 1-12).
function daysFromCivil(y: i64, m: i64, d: i64): i64 {
  const yy = m <= 2 ? y - 1 : y;
  const era = floorDiv(yy, 400);
  const yoe = yy - era * 400;
  const mp = m > 2 ? m - 3 : m + 9;
  const doy = (153 * mp + 2) / 5 + d - 1;
  const doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

let cy: i64 = 0;
let cm: i64 = 0;
let cd: i64 = 0;

function civilFromDays(z0: i64): void {
  const z = z0 + 719468;
  const era = floorDiv(z, 146097);
  const doe = z - era * 146097;
  const yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const mp = (5 * doy + 2) / 153;
  cd = doy - (153 * mp + 2) / 5 + 1;
  cm = mp < 10 ? mp + 3 : mp - 9;
  cy = yoe + era * 400 + (cm <= 2 ? 1 : 0);
}

// ns from a number or [ns, "UTC" | "" | "Local"]; false when not usable
let nsOut: i64 = 0;
function timeArg(x: usize): bool {
  let n = x;
  if (typeOf(x) == T_ARRAY) {
    if (arrLen(x) != 2) return false;
    n = arrGet(x, 0);
    const tz = arrGet(x, 1);
    if (typeOf(tz) != T_STRING) return false;
    const l = strLen(tz);
    const ok = l == 0 || (l == S_UTC_LEN && bytesEqual(strPtr(tz), S_UTC, l)) || (l == S_LOCAL_LEN && bytesEqual(strPtr(tz), S_LOCAL, l));
    if (!ok) return false;
  }
  if (typeOf(n) != T_NUMBER || !toI64(n)) return false;
  nsOut = intOut;
  return true;
}

export function opa_bi_time_date(x: usize): usize {
  if (!timeArg(x)) return 0;
  civilFromDays(floorDiv(nsOut, NS_PER_DAY));
  const r = makeArray(3);
  arrPush(r, makeInt(cy));
  arrPush(r, makeInt(cm));
  arrPush(r, makeInt(cd));
  return r;
}

export function opa_bi_time_clock(x: usize): usize {
  if (!timeArg(x)) return 0;
  const ns = nsOut - floorDiv(nsOut, NS_PER_DAY) * NS_PER_DAY;
  const s = ns / NS_PER_SEC;
  const r = makeArray(3);
  arrPush(r, makeInt(s / 3600));
  arrPush(r, makeInt((s / 60) % 60));
  arrPush(r, makeInt(s % 60));
  return r;
}

export function opa_bi_time_weekday(x: usize): usize {
  if (!timeArg(x)) return 0;
  const days = floorDiv(nsOut, NS_PER_DAY);
  const wd = <i32>(days + 4 - floorDiv(days + 4, 7) * 7); // 1970-01-01 was a Thursday
  switch (wd) {
    case 0: return makeString(S_DAY_SUNDAY, S_DAY_SUNDAY_LEN);
    case 1: return makeString(S_DAY_MONDAY, S_DAY_MONDAY_LEN);
    case 2: return makeString(S_DAY_TUESDAY, S_DAY_TUESDAY_LEN);
    case 3: return makeString(S_DAY_WEDNESDAY, S_DAY_WEDNESDAY_LEN);
    case 4: return makeString(S_DAY_THURSDAY, S_DAY_THURSDAY_LEN);
    case 5: return makeString(S_DAY_FRIDAY, S_DAY_FRIDAY_LEN);
    default: return makeString(S_DAY_SATURDAY, S_DAY_SATURDAY_LEN);
  }
}

// Year/month/day are added and then normalised as Go's time.AddDate does (Oct 31 + 1 month = Dec 1).
export function opa_bi_time_add_date(t: usize, years: usize, months: usize, days: usize): usize {
  if (typeOf(t) != T_NUMBER || !toI64(t)) return 0;
  const ns = intOut;
  if (typeOf(years) != T_NUMBER || !toI64(years)) return 0;
  const dy = intOut;
  if (typeOf(months) != T_NUMBER || !toI64(months)) return 0;
  const dm = intOut;
  if (typeOf(days) != T_NUMBER || !toI64(days)) return 0;
  const dd = intOut;
  if (dy < -300000 || dy > 300000 || dm < -3600000 || dm > 3600000 || dd < -110000000 || dd > 110000000) return 0;
  const day0 = floorDiv(ns, NS_PER_DAY);
  const tod = ns - day0 * NS_PER_DAY;
  civilFromDays(day0);
  const m0 = cm - 1 + dm;
  const y = cy + dy + floorDiv(m0, 12);
  const m = m0 - floorDiv(m0, 12) * 12 + 1;
  const day = daysFromCivil(y, m, 1) + cd - 1 + dd;
  // the result must stay inside the i64 nanosecond range (years 1678-2262)
  if (day < -106751 || day > 106750) return 0;
  return makeInt(day * NS_PER_DAY + tod);
}

// ---- RFC 3339

let rp: usize = 0;
let rend: usize = 0;

function digits(n: i32): i32 {
  if (rp + <usize>n > rend) return -1;
  let v = 0;
  for (let i = 0; i < n; i++) {
    const c = <i32>load<u8>(rp + <usize>i);
    if (c < 48 || c > 57) return -1;
    v = v * 10 + (c - 48);
  }
  rp += <usize>n;
  return v;
}

function expect(c: u8): bool {
  if (rp >= rend || load<u8>(rp) != c) return false;
  rp++;
  return true;
}

function isLeap(y: i64): bool {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

function daysIn(y: i64, m: i32): i32 {
  if (m == 2) return isLeap(y) ? 29 : 28;
  return m == 4 || m == 6 || m == 9 || m == 11 ? 30 : 31;
}

export function opa_bi_time_parse_rfc3339_ns(s: usize): usize {
  if (typeOf(s) != T_STRING) return 0;
  rp = strPtr(s);
  rend = rp + <usize>strLen(s);
  const y = digits(4);
  if (y < 0 || !expect(45)) return 0;
  const mo = digits(2);
  if (mo < 1 || mo > 12 || !expect(45)) return 0;
  const d = digits(2);
  if (d < 1 || d > daysIn(y, mo) || !expect(84)) return 0;
  const h = digits(2);
  if (h < 0 || h > 23 || !expect(58)) return 0;
  const mi = digits(2);
  if (mi < 0 || mi > 59 || !expect(58)) return 0;
  const se = digits(2);
  if (se < 0 || se > 59) return 0;
  let frac: i64 = 0;
  if (rp < rend && load<u8>(rp) == 46) {
    rp++;
    let n = 0;
    while (rp < rend && load<u8>(rp) >= 48 && load<u8>(rp) <= 57) {
      if (n < 9) frac = frac * 10 + <i64>(load<u8>(rp) - 48);
      n++;
      rp++;
    }
    if (n == 0) return 0;
    for (let i = n; i < 9; i++) frac *= 10;
  }
  let offset: i64 = 0;
  if (expect(90)) {
    offset = 0;
  } else {
    if (rp >= rend) return 0;
    const sign = load<u8>(rp);
    if (sign != 43 && sign != 45) return 0;
    rp++;
    const oh = digits(2);
    if (oh < 0 || oh > 23 || !expect(58)) return 0;
    const om = digits(2);
    if (om < 0 || om > 59) return 0;
    offset = <i64>(oh * 3600 + om * 60);
    if (sign == 45) offset = -offset;
  }
  if (rp != rend) return 0;
  const days = daysFromCivil(<i64>y, <i64>mo, <i64>d);
  if (days < -106751 || days > 106750) return 0;
  const secs = days * 86400 + <i64>(h * 3600 + mi * 60 + se) - offset;
  return makeInt(secs * NS_PER_SEC + frac);
}

function daysInMonth(y: i64, m: i64): i64 {
  if (m == 2) return isLeap(y) ? 29 : 28;
  return m == 4 || m == 6 || m == 9 || m == 11 ? 30 : 31;
}

// [years, months, days, hours, minutes, seconds] between two times, field by field with borrows
// (the earlier time's month length is borrowed for days), whichever argument is earlier.
export function opa_bi_time_diff(a: usize, b: usize): usize {
  if (!timeArg(a)) return 0;
  let t1 = nsOut;
  if (!timeArg(b)) return 0;
  let t2 = nsOut;
  if (t1 > t2) {
    const t = t1;
    t1 = t2;
    t2 = t;
  }
  const d1 = floorDiv(t1, NS_PER_DAY), d2 = floorDiv(t2, NS_PER_DAY);
  const s1 = (t1 - d1 * NS_PER_DAY) / NS_PER_SEC, s2 = (t2 - d2 * NS_PER_DAY) / NS_PER_SEC;
  civilFromDays(d1);
  const y1 = cy, m1 = cm, day1 = cd;
  civilFromDays(d2);
  let year = cy - y1;
  let month = cm - m1;
  let day = cd - day1;
  let hour = s2 / 3600 - s1 / 3600;
  let min = (s2 / 60) % 60 - (s1 / 60) % 60;
  let sec = s2 % 60 - s1 % 60;
  if (sec < 0) {
    sec += 60;
    min--;
  }
  if (min < 0) {
    min += 60;
    hour--;
  }
  if (hour < 0) {
    hour += 24;
    day--;
  }
  if (day < 0) {
    day += daysInMonth(y1, m1);
    month--;
  }
  if (month < 0) {
    month += 12;
    year--;
  }
  const r = makeArray(6);
  arrPush(r, makeInt(year));
  arrPush(r, makeInt(month));
  arrPush(r, makeInt(day));
  arrPush(r, makeInt(hour));
  arrPush(r, makeInt(min));
  arrPush(r, makeInt(sec));
  return r;
}

// Go duration syntax: an optional sign, then one or more <decimal number><unit> with units
// ns, us, µs, ms, s, m, h ("1h30m", "1.5s", "-300ms"); "0" alone is allowed. Exact in integers,
// fractions truncated to the nanosecond as Go does.
export function opa_bi_time_parse_duration_ns(s: usize): usize {
  if (typeOf(s) != T_STRING) return 0;
  let p = strPtr(s);
  const end = p + <usize>strLen(s);
  let neg = false;
  if (p < end && (load<u8>(p) == 45 || load<u8>(p) == 43)) {
    neg = load<u8>(p) == 45;
    p++;
  }
  if (p == end) return 0;
  if (end - p == 1 && load<u8>(p) == 48) return makeInt(0);
  const LIMIT: i64 = 9223372036854775807;
  let total: i64 = 0;
  while (p < end) {
    let whole: i64 = 0;
    let frac: i64 = 0;
    let fracScale: i64 = 1;
    let digits = 0;
    while (p < end && load<u8>(p) >= 48 && load<u8>(p) <= 57) {
      if (whole > (LIMIT - 9) / 10) return 0;
      whole = whole * 10 + <i64>(load<u8>(p) - 48);
      p++;
      digits++;
    }
    if (p < end && load<u8>(p) == 46) {
      p++;
      while (p < end && load<u8>(p) >= 48 && load<u8>(p) <= 57) {
        // digits beyond nanosecond precision of the largest unit cannot matter
        if (fracScale < 100000000000000000) {
          frac = frac * 10 + <i64>(load<u8>(p) - 48);
          fracScale *= 10;
        }
        p++;
        digits++;
      }
    }
    if (digits == 0) return 0;
    let unit: i64 = 0;
    const c0 = p < end ? <i32>load<u8>(p) : 0;
    const c1 = p + 1 < end ? <i32>load<u8>(p + 1) : 0;
    if (c0 == 110 && c1 == 115) { unit = 1; p += 2; } // ns
    else if (c0 == 117 && c1 == 115) { unit = 1000; p += 2; } // us
    else if (c0 == 0xc2 && c1 == 0xb5 && p + 2 < end && load<u8>(p + 2) == 115) { unit = 1000; p += 3; } // µs (micro sign)
    else if (c0 == 0xce && c1 == 0xbc && p + 2 < end && load<u8>(p + 2) == 115) { unit = 1000; p += 3; } // μs (Greek mu)
    else if (c0 == 109 && c1 == 115) { unit = 1000000; p += 2; } // ms
    else if (c0 == 115) { unit = 1000000000; p += 1; } // s
    else if (c0 == 109) { unit = 60000000000; p += 1; } // m
    else if (c0 == 104) { unit = 3600000000000; p += 1; } // h
    else return 0;
    if (whole > LIMIT / unit) return 0;
    let v = whole * unit;
    // frac / fracScale of a unit; drop fraction digits only while frac × unit would overflow
    let f = frac, fs = fracScale;
    while (fs > 1 && f > LIMIT / unit) {
      f /= 10;
      fs /= 10;
    }
    v += f * unit / fs;
    if (v < 0 || total > LIMIT - v) return 0;
    total += v;
  }
  return makeInt(neg ? -total : total);
}
