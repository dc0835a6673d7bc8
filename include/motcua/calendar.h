/*
 * Working-day arithmetic on a calendar (SPEC §4.1): which days are working days, and the due
 * instant of a time limit counted from an instant. Instants here are local seconds: seconds
 * since 1970-01-01T00:00 in the calendar's own local time (mc_calendar_to_local converts from
 * UTC). A NULL calendar means the built-in `weekdays` calendar (Mon–Fri, 08:00-12:00
 * 13:00-17:00, UTC+07:00, no holidays, no cutoff).
 */
#ifndef MOTCUA_CALENDAR_H
#define MOTCUA_CALENDAR_H

#include "motcua/catalogue.h"

#include <stdbool.h>
#include <stdint.h>

typedef int64_t mc_localtime; /* seconds since 1970-01-01T00:00, local to a calendar */

/* The built-in weekdays calendar. */
const mc_calendar *mc_calendar_builtin(void);

/* True when date is a working day: a week day that is no holiday, or a declared workday. */
bool mc_calendar_is_working(const mc_calendar *cal, mc_date date);
/* The same, read from the calendar's rules rather than its table of working days (the table is
 * built from them; tests compare the two). */
bool mc_calendar_is_working_by_rule(const mc_calendar *cal, mc_date date);
/* True when date is a day off given by one of the calendar's recurring holidays (`holiday
 * every`, `holiday lunar`, with the days they move to when they fall on a weekly day off). A
 * `workday` still makes the date a working day. */
bool mc_calendar_observes(const mc_calendar *cal, mc_date date);
/* The first year of the dates from..to (inclusive) that the calendar does not cover (outside
 * its `covers` years: its holidays are not declared there), or 0 when every year is covered,
 * when to < from, or when the calendar does not say which years it covers. A year before the
 * first covered is returned as itself; past the last, as the last covered year + 1. */
int mc_calendar_uncovered(const mc_calendar *cal, mc_date from, mc_date to);
/* The first working day after date. */
mc_date mc_calendar_next_working(const mc_calendar *cal, mc_date date);
/* The day a dossier received at t counts as received on (§4.1 step 1). */
mc_date mc_calendar_start_day(const mc_calendar *cal, mc_localtime t);
/* The due instant of limit counted from t (§4.1 steps 2–4). */
mc_localtime mc_calendar_deadline(const mc_calendar *cal, mc_localtime t, mc_duration limit);
/* Office time, in seconds, between from and to (0 when to <= from). */
int64_t mc_calendar_office_seconds(const mc_calendar *cal, mc_localtime from, mc_localtime to);
/* Working days in the interval (from, to] of dates; 0 when to <= from. */
int64_t mc_calendar_working_days(const mc_calendar *cal, mc_date from, mc_date to);

/* A hash of everything that decides the calendar's deadlines (offset, week, hours, cutoff,
 * holidays, working days), BLAKE2b-128 in hex: a due instant records it so that a calendar
 * changed later can be detected (§4.1.5). */
void mc_calendar_hash(const mc_calendar *cal, char out[33]);

/* UTC seconds <-> local seconds of the calendar. */
mc_localtime mc_calendar_to_local(const mc_calendar *cal, int64_t utc);
int64_t mc_calendar_to_utc(const mc_calendar *cal, mc_localtime t);

/* The date of local instant t. Rounds down, so that an instant before 1970 falls on its own
 * day (-1 s is 1969-12-31, where a truncating division would say 1970-01-01). */
mc_date mc_calendar_date(mc_localtime t);
/* "Today" at the UTC instant utc: its local date in cal (NULL: the built-in calendar). The one
 * definition, for the engine, the importers, the reports and the server alike. */
mc_date mc_calendar_today(const mc_calendar *cal, int64_t utc);

#endif
