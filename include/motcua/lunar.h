/*
 * The Vietnamese lunar calendar (âm lịch): conversion between civil (Gregorian) dates and lunar
 * dates, for the lunar holidays of a calendar (Tết, the Hùng Kings Commemoration, §4.1 of
 * docs/language.md). New moons and the sun's longitude are computed with the formulas of Jean
 * Meeus (Astronomical Algorithms, 1998) as Hồ Ngọc Đức's well-known algorithm uses them, at
 * the time zone of the calendar: Vietnam observes UTC+07:00 (MC_LUNAR_VIETNAM), while China's
 * calendar uses UTC+08:00, which gives a different Tết in some years (1985, 2007). Valid for
 * the years 1800–2199; pure functions, no allocation.
 */
#ifndef MOTCUA_LUNAR_H
#define MOTCUA_LUNAR_H

#include "motcua/value.h"

#include <stdbool.h>

/* The time zone of the Vietnamese lunar calendar, in minutes east of UTC. */
#define MC_LUNAR_VIETNAM (7 * 60)

typedef struct mc_lunar_date {
    int year;  /* the lunar year, numbered as the civil year in which most of it falls */
    int month; /* 1–12 */
    int day;   /* 1–30 */
    bool leap; /* the intercalary month (tháng nhuận) that repeats `month` */
} mc_lunar_date;

/* The lunar date of civil date `date` at the time zone `offset` (minutes east of UTC). */
mc_lunar_date mc_lunar_from_date(mc_date date, int offset);

/* The civil date of lunar day `day` of month `month` (not the leap one) of lunar year `year`,
 * at the time zone `offset`. A day 30 in a month of 29 days gives the month's last day (the
 * "30 Tết" of a short year is its 29th). */
mc_date mc_lunar_to_date(int year, int month, int day, int offset);

#endif
