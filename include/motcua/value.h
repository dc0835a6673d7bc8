/*
 * Value words of SPEC §2: numbers, percentages, durations, dates, datetimes, times of day,
 * money and names. Each parser takes the bytes of one word and either fills its result and
 * returns 0, or returns MC_ESYNTAX with a one-line reason in msg (for the caller to place).
 *
 * Numbers are fixed-point: an mc_fixed is the value times MC_FIXED_ONE (6 decimal places), so
 * that arithmetic on limits, shares and money stays exact.
 */
#ifndef MOTCUA_VALUE_H
#define MOTCUA_VALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef int64_t mc_fixed;
#define MC_FIXED_ONE INT64_C(1000000)

/* Days since 1970-01-01 (a calendar date, no time zone). */
typedef int32_t mc_date;
/* A day of local time (which has no leap seconds), in seconds and in minutes: the one
 * definition. */
enum { MC_DAY_SECONDS = 86400, MC_DAY_MINUTES = 1440 };
/* Minutes since 1970-01-01T00:00 of some local time (the calendar says which). */
typedef int64_t mc_datetime;

typedef enum { MC_DUR_MIN, MC_DUR_H, MC_DUR_D, MC_DUR_WD, MC_DUR_WH } mc_dur_unit;

typedef struct mc_duration {
    mc_dur_unit unit;
    mc_fixed amount; /* never negative */
} mc_duration;

typedef struct mc_money {
    int64_t amount;   /* in the currency's smallest unit (dong for VND) */
    char currency[4]; /* three upper-case letters */
} mc_money;

enum { MC_NAME_MAX = 64 };

/* `-?[0-9]+(\.[0-9]{1,6})?` */
int mc_value_number(const char *s, size_t n, mc_fixed *out, char *msg, size_t msgsz);
/* An integer that fits in int64_t. */
int mc_value_integer(const char *s, size_t n, int64_t *out, char *msg, size_t msgsz);
/* `NUMBER%` between 0% and 100%; *out is the percentage (15% gives 15 * MC_FIXED_ONE). */
int mc_value_percent(const char *s, size_t n, mc_fixed *out, char *msg, size_t msgsz);
/* `NUMBER` + `min|h|d|wd|wh`; whole says whether d and wd must be whole numbers. */
int mc_value_duration(const char *s, size_t n, bool whole, mc_duration *out, char *msg,
                      size_t msgsz);
/* `YYYY-MM-DD`, a real date between 1900 and 2999. */
/* The seconds of an elapsed duration (minutes, hours, days), rounded down; -1 for working time
 * (wd, wh), which only a calendar counts. */
int64_t mc_duration_seconds(const mc_duration *d);
int mc_value_date(const char *s, size_t n, mc_date *out, char *msg, size_t msgsz);
/* `YYYY-MM-DDTHH:MM`. */
int mc_value_datetime(const char *s, size_t n, mc_datetime *out, char *msg, size_t msgsz);
/* `HH:MM` from 00:00 to 23:59 (24:00 too when allow_24 is set); minutes after midnight. */
int mc_value_time(const char *s, size_t n, bool allow_24, int *out, char *msg, size_t msgsz);
/* `+HH:MM` or `-HH:MM`, at most 14 hours; minutes east of UTC. */
int mc_value_utc_offset(const char *s, size_t n, int *out, char *msg, size_t msgsz);
/* `true` or `false`. */
int mc_value_bool(const char *s, size_t n, bool *out, char *msg, size_t msgsz);
/* A currency word: three upper-case letters. */
int mc_value_currency(const char *s, size_t n, char out[4], char *msg, size_t msgsz);
/* A declared name: `[a-z][a-z0-9-]*`, at most MC_NAME_MAX bytes. */
int mc_value_name(const char *s, size_t n, char *msg, size_t msgsz);
/* A rule reference MODULE.FUNCTION; sets the length of MODULE in *modlen. */
int mc_value_rule_ref(const char *s, size_t n, size_t *modlen, char *msg, size_t msgsz);

/* Civil date arithmetic. */
mc_date mc_date_from_ymd(int y, int m, int d);
void mc_date_to_ymd(mc_date date, int *y, int *m, int *d);
/* 0 = Monday … 6 = Sunday. */
int mc_date_weekday(mc_date date);
/* Writes YYYY-MM-DD (11 bytes with the NUL). */
void mc_date_format(mc_date date, char out[11]);
/* The date of datetime t, rounded down: 1969-12-31T12:00 is on 1969-12-31 (a truncating division
 * would say 1970-01-01). mc_calendar_date does the same for local seconds. */
mc_date mc_datetime_date(mc_datetime t);
/* Writes YYYY-MM-DDTHH:MM (17 bytes with the NUL). */
void mc_datetime_format(mc_datetime t, char out[17]);
/* Writes a fixed-point number without trailing zeros ("1.5", "30", "-2.25"). */
void mc_fixed_format(mc_fixed v, char out[32]);
/* The unit word of a duration ("wd", "min", …). */
const char *mc_dur_unit_name(mc_dur_unit unit);

#endif
