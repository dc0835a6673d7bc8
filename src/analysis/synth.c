/* Synthetic applicants (synth.h): seeded streams, sampled field values, and text made to match
 * a pattern by walking the pattern once and choosing at random wherever it offers a choice. */
#include "synth.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

uint64_t mc_synth_hash(const char *s, uint64_t h)
{
    h ^= UINT64_C(14695981039346656037);
    for (; *s; s++) {
        h = (h ^ (unsigned char)*s) * UINT64_C(1099511628211);
    }
    return mc_synth_mix(h);
}

uint64_t mc_synth_mix(uint64_t x)
{
    x = (x ^ (x >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    x = (x ^ (x >> 27)) * UINT64_C(0x94d049bb133111eb);
    return x ^ (x >> 31);
}

double mc_synth_unit(uint64_t x)
{
    return (double)(x >> 11) * 0x1.0p-53;
}

uint64_t mc_synth_next(uint64_t *state)
{
    *state += UINT64_C(0x9e3779b97f4a7c15);
    return mc_synth_mix(*state);
}

/* ==== field values ======================================================================= */

/* Copies s into out as snprintf(out, outsz, "%s", s) would (outsz > 0), without formatting. */
static void copy(char *out, size_t outsz, const char *s)
{
    size_t n = strlen(s);
    n = n < outsz ? n : outsz - 1;
    memcpy(out, s, n);
    out[n] = '\0';
}

/* A share (percent, fixed point) drawn with the uniform u. */
static bool below(double u, mc_fixed percent)
{
    return u * 100.0 * (double)MC_FIXED_ONE < (double)percent;
}

mc_synth_kind mc_synth_field(const mc_field *f, bool subject, uint64_t key, mc_date day, char *out,
                             size_t outsz)
{
    uint64_t rng = mc_synth_hash(f->name, key);
    double u = mc_synth_unit(mc_synth_next(&rng));
    out[0] = '\0';
    if (subject) {
        if (f->pattern_source == NULL ||
            mc_synth_matching(f->pattern_source, &rng, out, outsz) != 0) {
            char hex[17]; /* "%016llx", without formatting */
            uint64_t x = mc_synth_mix(key);
            for (int i = 15; i >= 0; i--, x >>= 4) {
                hex[i] = "0123456789abcdef"[x & 15];
            }
            hex[16] = '\0';
            copy(out, outsz, hex);
        }
        return MC_SYNTH_SAMPLED;
    }
    if (f->has_sample && f->type == MC_FIELD_BOOL) {
        copy(out, outsz, below(u, f->sample) ? "true" : "false");
        return MC_SYNTH_SAMPLED;
    }
    if (f->has_sample && f->type == MC_FIELD_CHOICE && f->options.n > 0) {
        /* Options by their shares; what the shares leave is spread over every option. */
        mc_fixed at = 0, total = 0;
        for (size_t i = 0; i < f->options.n; i++) {
            total += f->option_share ? f->option_share[i] : 0;
        }
        for (size_t i = 0; i < f->options.n; i++) {
            mc_fixed rest = (100 * MC_FIXED_ONE - total) / (mc_fixed)f->options.n;
            at += (f->option_share ? f->option_share[i] : 0) + rest;
            if (below(u, at) || i + 1 == f->options.n) {
                copy(out, outsz, f->options.items[i]);
                break;
            }
        }
        return MC_SYNTH_SAMPLED;
    }
    if (!f->required) {
        return MC_SYNTH_NONE;
    }
    switch (f->type) {
    case MC_FIELD_BOOL:
        copy(out, outsz, "false");
        break;
    case MC_FIELD_INTEGER:
    case MC_FIELD_NUMBER:
        copy(out, outsz, "1");
        break;
    case MC_FIELD_MONEY:
        copy(out, outsz, "0");
        break;
    case MC_FIELD_DATE:
        mc_date_format(day, out);
        break;
    case MC_FIELD_CHOICE:
        copy(out, outsz, f->options.n ? f->options.items[0] : "");
        break;
    case MC_FIELD_TEXT:
        if (f->pattern_source == NULL ||
            mc_synth_matching(f->pattern_source, &rng, out, outsz) != 0) {
            copy(out, outsz, "synthetic");
        }
        break;
    }
    return MC_SYNTH_NEUTRAL;
}

/* ==== text that matches a pattern ======================================================== */

typedef struct gen {
    uint64_t *rng;
    char *out;
    size_t n, cap;
    bool bad;
    bool icase; /* (?i) was seen: a class stands for both cases of its letters */
} gen;

static void put(gen *g, char c)
{
    if (g->n + 1 >= g->cap) {
        g->bad = true;
        return;
    }
    g->out[g->n++] = c;
    g->out[g->n] = '\0';
}

static unsigned pick(gen *g, unsigned n)
{
    return n ? (unsigned)(mc_synth_next(g->rng) % n) : 0;
}

/* End of the construct at p (a group, a class or an escape), scanning no further than end. */
static const char *skip_class(const char *p, const char *end)
{
    p++; /* '[' */
    if (p < end && *p == '^') {
        p++;
    }
    if (p < end && *p == ']') {
        p++;
    }
    for (; p < end && *p != ']'; p++) {
        if (*p == '\\' && p + 1 < end) {
            p++;
        }
    }
    return p < end ? p + 1 : end;
}

static const char *skip_group(const char *p, const char *end)
{
    int depth = 0;
    for (; p < end; p++) {
        if (*p == '\\' && p + 1 < end) {
            p++;
        } else if (*p == '[') {
            p = skip_class(p, end) - 1;
        } else if (*p == '(') {
            depth++;
        } else if (*p == ')' && --depth == 0) {
            return p + 1;
        }
    }
    return end;
}

static void gen_alt(gen *g, const char *p, const char *end);

/* The members of a class, as a set of ASCII characters; icase: letters in both cases. */
static void class_set(const char *p, const char *end, bool set[128], bool icase)
{
    bool negate = false;
    memset(set, 0, 128);
    p++;
    if (p < end && *p == '^') {
        negate = true;
        p++;
    }
    bool first = true;
    while (p < end && (*p != ']' || first)) {
        first = false;
        int c = (unsigned char)*p, hi = -1;
        if (c == '\\' && p + 1 < end) {
            p++;
            switch (*p) {
            case 'd':
                memset(set + '0', 1, 10);
                p++;
                continue;
            case 'w':
                memset(set + 'a', 1, 26);
                memset(set + 'A', 1, 26);
                memset(set + '0', 1, 10);
                set['_'] = true;
                p++;
                continue;
            case 's':
                set[' '] = true;
                p++;
                continue;
            default:
                c = (unsigned char)*p;
            }
        }
        p++;
        if (p + 1 < end && *p == '-' && p[1] != ']') {
            hi = (unsigned char)p[1];
            if (hi == '\\' && p + 2 < end) {
                hi = (unsigned char)p[2];
                p++;
            }
            p += 2;
        }
        for (int k = c; k <= (hi < 0 ? c : hi) && k < 128; k++) {
            set[k] = true;
        }
    }
    for (int k = 'a'; icase && k <= 'z'; k++) {
        set[k] = set[k - 32] = set[k] || set[k - 32];
    }
    if (negate) {
        for (int k = 0; k < 128; k++) {
            set[k] = !set[k] && k >= 32 && k < 127;
        }
    }
}

/* The members of a class set, in increasing order, as gen_class draws among them. */
typedef struct members {
    unsigned n;
    char c[96];
} members;

static void class_members(const bool set[128], members *m)
{
    m->n = 0;
    for (int k = 32; k < 127; k++) {
        if (set[k]) {
            m->c[m->n++] = (char)k;
        }
    }
}

/* One member of m, drawn (none drawn from an empty class: the pattern is bad). */
static void gen_class(gen *g, const members *m)
{
    if (m->n == 0) {
        g->bad = true;
        return;
    }
    put(g, m->c[pick(g, m->n)]);
}

/* Digits at *pp (1 to 9 of them, nothing else), read into *v and passed. */
static bool digits(const char **pp, const char *end, unsigned *v)
{
    const char *p = *pp;
    unsigned x = 0;
    while (p < end && p - *pp < 10 && *p >= '0' && *p <= '9') {
        x = x * 10 + (unsigned)(*p++ - '0');
    }
    if (p == *pp || p - *pp > 9) {
        return false;
    }
    *v = x;
    *pp = p;
    return true;
}

/* A quantifier {N}, {N,} or {N,M} at p written with plain digits: its bounds as quantity reads
 * them, and its length in *used; false for any other text (quantity asks sscanf). */
static bool plain_braces(const char *p, const char *end, unsigned *lo, unsigned *hi, int *used)
{
    const char *q = p + 1;
    unsigned a, b;
    if (!digits(&q, end, &a) || q >= end) {
        return false;
    }
    if (*q == '}') {
        *lo = *hi = a;
    } else if (*q == ',' && q + 1 < end && q[1] == '}') {
        *lo = a;
        *hi = a + 3;
        q++;
    } else if (*q == ',' && (q++, digits(&q, end, &b)) && q < end && *q == '}') {
        *lo = a;
        *hi = b;
    } else {
        return false;
    }
    *used = (int)(q + 1 - p);
    return true;
}

/* Reads a quantifier at *pp: how many times the atom before it comes (at most 3 more than its
 * minimum when unbounded). */
static unsigned quantity(gen *g, const char **pp, const char *end)
{
    const char *p = *pp;
    unsigned lo = 1, hi = 1;
    if (p < end && (*p == '?' || *p == '*' || *p == '+')) {
        lo = *p == '+' ? 1 : 0;
        hi = *p == '?' ? 1 : lo + 3;
        p++;
    } else if (p < end && *p == '{') {
        unsigned a = 0, b = 0;
        int used = 0;
        char tail[2] = "";
        if (plain_braces(p, end, &lo, &hi, &used)) {
            /* the common forms, read without sscanf: the same numbers */
        } else if (sscanf(p, "{%u,%u}%n", &a, &b, &used) == 2 && used > 0) {
            lo = a;
            hi = b;
        } else if (sscanf(p, "{%u,%1[}]%n", &a, tail, &used) == 2 && used > 0) {
            lo = a;
            hi = a + 3;
        } else if (sscanf(p, "{%u}%n", &a, &used) == 1 && used > 0) {
            lo = hi = a;
        } else {
            return 1; /* a literal brace */
        }
        p += used;
    }
    if (p < end && (*p == '?' || *p == '+')) {
        p++; /* lazy or possessive: the same strings */
    }
    *pp = p;
    if (hi < lo || hi > 1000) {
        g->bad = true;
        return 0;
    }
    return lo + pick(g, hi - lo + 1);
}

static void gen_seq(gen *g, const char *p, const char *end)
{
    while (p < end && !g->bad) {
        const char *atom = p, *next;
        if (*p == '(') {
            next = skip_group(p, end);
            if (p + 2 < end && p[1] == '?' && p[2] != ':') {
                const char *flags_end = memchr(p, ':', (size_t)(next - p));
                g->icase |= memchr(p, 'i', (size_t)((flags_end ? flags_end : next) - p)) != NULL;
                /* inline flags such as (?i): nothing to write */
                if (memchr(p, ':', (size_t)(next - p)) == NULL) {
                    p = next;
                    continue;
                }
            }
        } else if (*p == '[') {
            next = skip_class(p, end);
        } else if (*p == '\\' && p + 1 < end) {
            next = p + 2;
        } else if (*p == '^' || *p == '$') {
            p++;
            continue;
        } else {
            next = p + 1;
            while (next < end && ((unsigned char)*next & 0xC0) == 0x80) {
                next++; /* the rest of a UTF-8 character */
            }
        }
        p = next;
        unsigned times = quantity(g, &p, end);
        members m; /* a class's members, found once for all its repeats */
        for (unsigned t = 0; t < times && !g->bad; t++) {
            if (*atom == '(') {
                const char *in = atom + 1;
                if (*in == '?') {
                    in = memchr(in, ':', (size_t)(next - in));
                    in = in ? in + 1 : next - 1;
                }
                gen_alt(g, in, next - 1);
            } else if (*atom == '[') {
                if (t == 0) {
                    bool set[128];
                    class_set(atom, next, set, g->icase);
                    class_members(set, &m);
                }
                gen_class(g, &m);
            } else if (*atom == '\\') {
                if (strchr("dws", atom[1]) != NULL) {
                    if (t == 0) {
                        bool set[128];
                        char cls[5] = {'[', '\\', atom[1], ']', 0};
                        class_set(cls, cls + 4, set, false);
                        class_members(set, &m);
                    }
                    gen_class(g, &m);
                } else if (strchr("DWSbBpPXRhHvVkgN0123456789", atom[1]) != NULL) {
                    g->bad = true;
                } else {
                    put(g, atom[1]);
                }
            } else if (*atom == '.') {
                put(g, 'x');
            } else {
                for (const char *c = atom; c < next; c++) {
                    put(g, *c);
                }
            }
        }
    }
}

/* The end of the alternative of p..end that starts at p: the next top-level '|', or end. */
static const char *alt_end(const char *p, const char *end)
{
    for (const char *q = p; q < end; q++) {
        if (*q == '\\' && q + 1 < end) {
            q++;
        } else if (*q == '[') {
            q = skip_class(q, end) - 1;
        } else if (*q == '(') {
            q = skip_group(q, end) - 1;
        } else if (*q == '|') {
            return q;
        }
    }
    return end;
}

/* One of the alternatives of p..end, drawn with equal chances (any number of them). */
static void gen_alt(gen *g, const char *p, const char *end)
{
    unsigned n = 1;
    for (const char *q = alt_end(p, end); q < end && n < UINT_MAX; q = alt_end(q + 1, end)) {
        n++;
    }
    unsigned k = pick(g, n);
    const char *start = p;
    for (unsigned i = 0; i < k; i++) {
        start = alt_end(start, end) + 1;
    }
    gen_seq(g, start, alt_end(start, end));
}

/* ==== simple patterns, read once ========================================================== */

/* A pattern made only of top-level alternatives of classes and ASCII literals, each once or with
 * a plain {N}, {N,} or {N,M}, and ^ $ (as "[0-9]{12}|[0-9]{10}"), read once into the draws the
 * walk above makes for it: one for the alternative, then per atom one for its count and, for a
 * class, one per repeat. Any other pattern is walked each time. */
enum { SIMPLE_ATOMS = 24, SIMPLE_ALTS = 6, SIMPLE_POOL = 384, SIMPLE_SRC = 64 };

typedef struct simple_atom {
    unsigned lo, span; /* the count is lo + a draw among span */
    unsigned nm;       /* 0: the literal lit; else a class of nm members from pool[at] */
    unsigned at;
    char lit;
} simple_atom;

typedef struct simple {
    char src[SIMPLE_SRC];
    int state; /* 0: empty slot, 1: simple, 2: walked */
    unsigned nalts;
    unsigned alt[SIMPLE_ALTS + 1]; /* alternative k is atoms alt[k]..alt[k+1] */
    size_t longest;                /* characters the longest alternative can write */
    simple_atom atoms[SIMPLE_ATOMS];
    char pool[SIMPLE_POOL];
} simple;

/* Reads source as a simple pattern into s; false when it is not one. */
static bool simple_read(simple *s, const char *source)
{
    const char *p = source, *end = source + strlen(source);
    unsigned na = 0, used = 0;
    size_t len = 0;
    s->nalts = 0;
    s->alt[0] = 0;
    s->longest = 0;
    for (;;) {
        if (p == end || *p == '|') {
            if (s->nalts >= SIMPLE_ALTS) {
                return false;
            }
            s->alt[++s->nalts] = na;
            s->longest = len > s->longest ? len : s->longest;
            len = 0;
            if (p == end) {
                return true;
            }
            p++;
            continue;
        }
        if (*p == '^' || *p == '$') {
            p++;
            continue;
        }
        if (na >= SIMPLE_ATOMS || ((unsigned char)*p & 0x80) || strchr("()*+?{}\\", *p) != NULL) {
            return false;
        }
        simple_atom *a = &s->atoms[na++];
        const char *next;
        a->nm = 0;
        a->lit = *p == '.' ? 'x' : *p;
        if (*p == '[') {
            next = skip_class(p, end);
            bool set[128];
            members m;
            class_set(p, next, set, false);
            class_members(set, &m);
            if (m.n == 0 || used + m.n > SIMPLE_POOL) {
                return false;
            }
            a->nm = m.n;
            a->at = used;
            memcpy(s->pool + used, m.c, m.n);
            used += m.n;
        } else {
            next = p + 1;
        }
        p = next;
        unsigned lo = 1, hi = 1;
        if (p < end && *p == '{') {
            int n;
            if (!plain_braces(p, end, &lo, &hi, &n)) {
                return false;
            }
            p += n;
        }
        if ((p < end && strchr("?*+{", *p) != NULL) || hi < lo || hi > 1000) {
            return false;
        }
        a->lo = lo;
        a->span = hi - lo + 1;
        len += hi;
    }
}

/* The simple reading of source, made on its first use in this thread (NULL when source is too
 * long to keep or not simple). */
static const simple *simple_of(const char *source)
{
    static _Thread_local simple cache[8];
    size_t n = strlen(source);
    if (n >= SIMPLE_SRC) {
        return NULL;
    }
    simple *s = &cache[mc_synth_hash(source, 0) % 8];
    if (s->state == 0 || strcmp(s->src, source) != 0) {
        memcpy(s->src, source, n + 1);
        s->state = simple_read(s, source) ? 1 : 2;
    }
    return s->state == 1 ? s : NULL;
}

int mc_synth_matching(const char *source, uint64_t *rng, char *out, size_t outsz)
{
    gen g = {rng, out, 0, outsz, false, false};
    if (outsz == 0) {
        return -1;
    }
    out[0] = '\0';
    const simple *s = simple_of(source);
    if (s != NULL && s->longest < outsz) {
        unsigned k = pick(&g, s->nalts);
        size_t at = 0;
        for (unsigned i = s->alt[k]; i < s->alt[k + 1]; i++) {
            const simple_atom *a = &s->atoms[i];
            unsigned times = a->lo + pick(&g, a->span);
            for (unsigned t = 0; t < times; t++) {
                out[at++] = a->nm ? s->pool[a->at + pick(&g, a->nm)] : a->lit;
            }
        }
        out[at] = '\0';
        return 0;
    }
    gen_alt(&g, source, source + strlen(source));
    return g.bad ? -1 : 0;
}
