/*
 * The Vietnamese lunar calendar (lunar.h). A lunar month starts on the civil day (at the
 * calendar's time zone) that contains a new moon; month 11 is the one containing the winter
 * solstice; a year with 13 months between two months 11 repeats, as its leap month, the first
 * month that contains no major solar term (no multiple of 30° of the sun's longitude). This is
 * Hồ Ngọc Đức's formulation ("Âm lịch Việt Nam", 2004), itself after Meeus's Astronomical
 * Algorithms: new moons to about a minute, the sun's longitude to about 0.01°, both good
 * enough for the day boundaries of 1800–2199. Julian day numbers are used internally.
 */
#include "motcua/lunar.h"

#include <math.h>

static const double PI = 3.14159265358979323846;
static const double SYNODIC = 29.530588853;         /* mean lunar month, in days */
static const double NEW_MOON_0 = 2415021.076998695; /* the new moon of 1900-01-01, JD */

/* The Julian day number of 1970-01-01, the epoch of mc_date. */
enum { JD_EPOCH = 2440588 };

/* The instant (Julian day, UT) of the k-th new moon after NEW_MOON_0 (Meeus, ch. 49). */
static double new_moon(int k)
{
    double t = k / 1236.85, t2 = t * t, t3 = t2 * t, dr = PI / 180;
    double jd = 2415020.75933 + 29.53058868 * k + 0.0001178 * t2 - 0.000000155 * t3;
    jd += 0.00033 * sin((166.56 + 132.87 * t - 0.009173 * t2) * dr);
    double m = 359.2242 + 29.10535608 * k - 0.0000333 * t2 - 0.00000347 * t3;    /* sun */
    double mpr = 306.0253 + 385.81691806 * k + 0.0107306 * t2 + 0.00001236 * t3; /* moon */
    double f = 21.2964 + 390.67050646 * k - 0.0016528 * t2 - 0.00000239 * t3;
    double c = (0.1734 - 0.000393 * t) * sin(m * dr) + 0.0021 * sin(2 * dr * m);
    c += -0.4068 * sin(mpr * dr) + 0.0161 * sin(dr * 2 * mpr) - 0.0004 * sin(dr * 3 * mpr);
    c += 0.0104 * sin(dr * 2 * f) - 0.0051 * sin(dr * (m + mpr));
    c += -0.0074 * sin(dr * (m - mpr)) + 0.0004 * sin(dr * (2 * f + m));
    c += -0.0004 * sin(dr * (2 * f - m)) - 0.0006 * sin(dr * (2 * f + mpr));
    c += 0.0010 * sin(dr * (2 * f - mpr)) + 0.0005 * sin(dr * (2 * mpr + m));
    double delta_t =
        t < -11 ? 0.001 + 0.000839 * t + 0.0002261 * t2 - 0.00000845 * t3 - 0.000000081 * t * t3
                : -0.000278 + 0.000265 * t + 0.000262 * t2;
    return jd + c - delta_t;
}

/* The Julian day number of the civil day, at time zone tz (hours), of the k-th new moon. */
static long new_moon_day(int k, double tz)
{
    return (long)floor(new_moon(k) + 0.5 + tz / 24);
}

/* The sun's apparent longitude at Julian day jd, in radians in [0, 2π) (Meeus, ch. 25). */
static double sun_longitude(double jd)
{
    double t = (jd - 2451545.0) / 36525, t2 = t * t, dr = PI / 180;
    double m = 357.52910 + 35999.05030 * t - 0.0001559 * t2 - 0.00000048 * t * t2;
    double l0 = 280.46645 + 36000.76983 * t + 0.0003032 * t2;
    double dl = (1.914600 - 0.004817 * t - 0.000014 * t2) * sin(dr * m);
    dl += (0.019993 - 0.000101 * t) * sin(dr * 2 * m) + 0.000290 * sin(dr * 3 * m);
    double l = (l0 + dl) * dr;
    return l - 2 * PI * floor(l / (2 * PI));
}

/* Which twelfth of the ecliptic (0–11, 30° each) the sun is in at the start of day jdn. */
static int sun_sector(long jdn, double tz)
{
    return (int)floor(sun_longitude((double)jdn - 0.5 - tz / 24) / PI * 6);
}

/* The Julian day number of the first day of lunar month 11 of civil year y. */
static long month11(int y, double tz)
{
    long off = (long)(mc_date_from_ymd(y, 12, 31) + JD_EPOCH) - 2415021;
    int k = (int)floor(off / SYNODIC);
    long nm = new_moon_day(k, tz);
    if (sun_sector(nm, tz) >= 9) {
        nm = new_moon_day(k - 1, tz);
    }
    return nm;
}

/* In a 13-month year starting at month 11 a11: the offset from a11 of the leap month. */
static int leap_offset(long a11, double tz)
{
    int k = (int)floor((a11 - NEW_MOON_0) / SYNODIC + 0.5);
    int i = 1;
    int arc = sun_sector(new_moon_day(k + i, tz), tz), last;
    do {
        last = arc;
        i++;
        arc = sun_sector(new_moon_day(k + i, tz), tz);
    } while (arc != last && i < 14);
    return i - 1;
}

mc_lunar_date mc_lunar_from_date(mc_date date, int offset)
{
    double tz = offset / 60.0;
    long jdn = (long)date + JD_EPOCH;
    int y, m, d;
    mc_date_to_ymd(date, &y, &m, &d);
    int k = (int)floor((jdn - NEW_MOON_0) / SYNODIC);
    long start = new_moon_day(k + 1, tz);
    if (start > jdn) {
        start = new_moon_day(k, tz);
    }
    long a11 = month11(y, tz), b11 = a11;
    mc_lunar_date out = {0, 0, 0, false};
    if (a11 >= start) {
        out.year = y;
        a11 = month11(y - 1, tz);
    } else {
        out.year = y + 1;
        b11 = month11(y + 1, tz);
    }
    out.day = (int)(jdn - start + 1);
    int diff = (int)floor((start - a11) / 29.0);
    out.month = diff + 11;
    if (b11 - a11 > 365) {
        int leap = leap_offset(a11, tz);
        if (diff >= leap) {
            out.month = diff + 10;
            out.leap = diff == leap;
        }
    }
    if (out.month > 12) {
        out.month -= 12;
    }
    if (out.month >= 11 && diff < 4) {
        out.year--;
    }
    return out;
}

mc_date mc_lunar_to_date(int year, int month, int day, int offset)
{
    double tz = offset / 60.0;
    long a11, b11;
    if (month < 11) {
        a11 = month11(year - 1, tz);
        b11 = month11(year, tz);
    } else {
        a11 = month11(year, tz);
        b11 = month11(year + 1, tz);
    }
    int k = (int)floor(0.5 + (a11 - NEW_MOON_0) / SYNODIC);
    int off = month - 11;
    if (off < 0) {
        off += 12;
    }
    if (b11 - a11 > 365 && off >= leap_offset(a11, tz)) {
        off++; /* the leap month comes before: skip it */
    }
    long start = new_moon_day(k + off, tz);
    long next = new_moon_day(k + off + 1, tz);
    long jdn = start + day - 1;
    if (jdn >= next) {
        jdn = next - 1;
    }
    return (mc_date)(jdn - JD_EPOCH);
}
