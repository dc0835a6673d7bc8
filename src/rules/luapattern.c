/*
 * Lua 5.4's pattern matching with a bounded running time (luapattern.h). The structure, the
 * semantics and the error messages follow lstrlib.c of Lua 5.4 (Copyright (C) 1994-2022
 * Lua.org, PUC-Rio, MIT licence); what is new is the step count. Every unit of work the
 * matcher does (a call of match, a character tried by a repetition, a byte of a bracket class,
 * a balance scan or a back-reference, a byte compared by a plain search, a byte of a
 * replacement string) is charged; every TICK_STEPS the limits' tick runs, and it raises when
 * the rule is out of time. A pattern therefore keeps Lua's exponential backtracking, but no
 * longer its unbounded running time.
 */
#include "luapattern.h"

#include <lauxlib.h>

#include <ctype.h>
#include <stddef.h>
#include <string.h>

enum {
    TICK_STEPS = 2048, /* steps between two calls of tick */
    MAXCAPTURES = 32,  /* LUA_MAXCAPTURES */
    MAXCCALLS = 200,   /* nesting of match, as lstrlib's MAXCCALLS */
    CAP_UNFINISHED = -1,
    CAP_POSITION = -2,
};

#define L_ESC '%'
#define SPECIALS "^$*+?.([%-"

#define uchar(c) ((unsigned char)(c))

typedef struct match_state {
    const char *src_init; /* the subject */
    const char *src_end;
    const char *p_end; /* end of the pattern */
    lua_State *L;
    const mc_luapattern_limits *limits;
    size_t left; /* steps before the next tick */
    int matchdepth;
    unsigned char level; /* captures made */
    struct {
        const char *init;
        ptrdiff_t len;
    } capture[MAXCAPTURES];
} match_state;

/* ==== the step count ===================================================================== */

static void charge(match_state *ms, size_t n)
{
    if (n < ms->left) {
        ms->left -= n;
        return;
    }
    ms->left = TICK_STEPS;
    ms->limits->tick(ms->L);
}

static const mc_luapattern_limits *limits_of(lua_State *L)
{
    return lua_touserdata(L, lua_upvalueindex(1));
}

/* ==== the matcher (lstrlib.c) ============================================================ */

static const char *match(match_state *ms, const char *s, const char *p);

static int check_capture(match_state *ms, int l)
{
    l -= '1';
    if (l < 0 || l >= ms->level || ms->capture[l].len == CAP_UNFINISHED) {
        return luaL_error(ms->L, "invalid capture index %%%d", l + 1);
    }
    return l;
}

static int capture_to_close(match_state *ms)
{
    int level = ms->level;
    for (level--; level >= 0; level--) {
        if (ms->capture[level].len == CAP_UNFINISHED) {
            return level;
        }
    }
    return luaL_error(ms->L, "invalid pattern capture");
}

/* The end of the single-character class that starts at p. */
static const char *class_end(match_state *ms, const char *p)
{
    switch (*p++) {
    case L_ESC:
        if (p == ms->p_end) {
            luaL_error(ms->L, "malformed pattern (ends with '%%')");
        }
        return p + 1;
    case '[':
        if (*p == '^') {
            p++;
        }
        do { /* look for a ']' */
            if (p == ms->p_end) {
                luaL_error(ms->L, "malformed pattern (missing ']')");
            }
            if (*(p++) == L_ESC && p < ms->p_end) {
                p++; /* skip escapes (e.g. '%]') */
            }
        } while (*p != ']');
        return p + 1;
    default:
        return p;
    }
}

static int match_class(int c, int cl)
{
    int res;
    switch (tolower(cl)) {
    case 'a':
        res = isalpha(c);
        break;
    case 'c':
        res = iscntrl(c);
        break;
    case 'd':
        res = isdigit(c);
        break;
    case 'g':
        res = isgraph(c);
        break;
    case 'l':
        res = islower(c);
        break;
    case 'p':
        res = ispunct(c);
        break;
    case 's':
        res = isspace(c);
        break;
    case 'u':
        res = isupper(c);
        break;
    case 'w':
        res = isalnum(c);
        break;
    case 'x':
        res = isxdigit(c);
        break;
    case 'z': /* deprecated in Lua 5.2, still accepted by 5.4 */
        res = (c == 0);
        break;
    default:
        return cl == c;
    }
    return isupper(cl) ? !res : res;
}

/* c against the class [p..ec] (ec is its ']'). */
static int match_bracket_class(int c, const char *p, const char *ec)
{
    int sig = 1;
    if (*(p + 1) == '^') {
        sig = 0;
        p++; /* skip the '^' */
    }
    while (++p < ec) {
        if (*p == L_ESC) {
            p++;
            if (match_class(c, uchar(*p))) {
                return sig;
            }
        } else if (*(p + 1) == '-' && (p + 2 < ec)) {
            p += 2;
            if (uchar(*(p - 2)) <= c && c <= uchar(*p)) {
                return sig;
            }
        } else if (uchar(*p) == c) {
            return sig;
        }
    }
    return !sig;
}

static int single_match(match_state *ms, const char *s, const char *p, const char *ep)
{
    if (s >= ms->src_end) {
        return 0;
    }
    int c = uchar(*s);
    switch (*p) {
    case '.':
        return 1;
    case L_ESC:
        return match_class(c, uchar(*(p + 1)));
    case '[':
        charge(ms, (size_t)(ep - p));
        return match_bracket_class(c, p, ep - 1);
    default:
        return uchar(*p) == c;
    }
}

static const char *match_balance(match_state *ms, const char *s, const char *p)
{
    if (p >= ms->p_end - 1) {
        luaL_error(ms->L, "malformed pattern (missing arguments to '%%b')");
    }
    if (*s != *p) {
        return NULL;
    }
    int b = *p;
    int e = *(p + 1);
    int cont = 1;
    const char *start = s;
    while (++s < ms->src_end) {
        if (*s == e) {
            if (--cont == 0) {
                charge(ms, (size_t)(s - start));
                return s + 1;
            }
        } else if (*s == b) {
            cont++;
        }
    }
    charge(ms, (size_t)(s - start));
    return NULL; /* the string ends out of balance */
}

static const char *max_expand(match_state *ms, const char *s, const char *p, const char *ep)
{
    ptrdiff_t i = 0; /* the most repetitions of the item */
    while (single_match(ms, s + i, p, ep)) {
        i++;
        charge(ms, 1);
    }
    /* Try the rest of the pattern with the most repetitions, then one fewer… */
    while (i >= 0) {
        const char *res = match(ms, (s + i), ep + 1);
        if (res) {
            return res;
        }
        i--;
    }
    return NULL;
}

static const char *min_expand(match_state *ms, const char *s, const char *p, const char *ep)
{
    for (;;) {
        const char *res = match(ms, s, ep + 1);
        if (res != NULL) {
            return res;
        } else if (single_match(ms, s, p, ep)) {
            s++; /* try with one more repetition */
        } else {
            return NULL;
        }
    }
}

static const char *start_capture(match_state *ms, const char *s, const char *p, int what)
{
    int level = ms->level;
    if (level >= MAXCAPTURES) {
        luaL_error(ms->L, "too many captures");
    }
    ms->capture[level].init = s;
    ms->capture[level].len = what;
    ms->level = (unsigned char)(level + 1);
    const char *res = match(ms, s, p);
    if (res == NULL) {
        ms->level--; /* undo the capture */
    }
    return res;
}

static const char *end_capture(match_state *ms, const char *s, const char *p)
{
    int l = capture_to_close(ms);
    ms->capture[l].len = s - ms->capture[l].init; /* close the capture */
    const char *res = match(ms, s, p);
    if (res == NULL) {
        ms->capture[l].len = CAP_UNFINISHED; /* undo it */
    }
    return res;
}

static const char *match_capture(match_state *ms, const char *s, int l)
{
    l = check_capture(ms, l);
    size_t len = (size_t)ms->capture[l].len;
    charge(ms, len);
    if ((size_t)(ms->src_end - s) >= len && memcmp(ms->capture[l].init, s, len) == 0) {
        return s + len;
    }
    return NULL;
}

/* Pattern and subject are NUL-terminated Lua strings: reading one past their ends, as lstrlib
 * does, reads that NUL. */
static const char *match(match_state *ms, const char *s, const char *p)
{
    if (ms->matchdepth-- == 0) {
        luaL_error(ms->L, "pattern too complex");
    }
init: /* goto instead of tail recursion */
    charge(ms, 1);
    if (p != ms->p_end) {
        switch (*p) {
        case '(':
            if (*(p + 1) == ')') { /* position capture */
                s = start_capture(ms, s, p + 2, CAP_POSITION);
            } else {
                s = start_capture(ms, s, p + 1, CAP_UNFINISHED);
            }
            break;
        case ')':
            s = end_capture(ms, s, p + 1);
            break;
        case '$':
            if ((p + 1) != ms->p_end) { /* not the last character of the pattern */
                goto dflt;
            }
            s = (s == ms->src_end) ? s : NULL;
            break;
        case L_ESC:
            switch (*(p + 1)) {
            case 'b': /* balanced string */
                s = match_balance(ms, s, p + 2);
                if (s != NULL) {
                    p += 4;
                    goto init;
                }
                break;
            case 'f': { /* frontier */
                p += 2;
                if (*p != '[') {
                    luaL_error(ms->L, "missing '[' after '%%f' in pattern");
                }
                const char *ep = class_end(ms, p);
                charge(ms, 2 * (size_t)(ep - p));
                char previous = (s == ms->src_init) ? '\0' : *(s - 1);
                if (!match_bracket_class(uchar(previous), p, ep - 1) &&
                    match_bracket_class(uchar(*s), p, ep - 1)) {
                    p = ep;
                    goto init;
                }
                s = NULL;
                break;
            }
            case '0':
            case '1':
            case '2':
            case '3':
            case '4':
            case '5':
            case '6':
            case '7':
            case '8':
            case '9': /* a back-reference %0-%9 */
                s = match_capture(ms, s, uchar(*(p + 1)));
                if (s != NULL) {
                    p += 2;
                    goto init;
                }
                break;
            default:
                goto dflt;
            }
            break;
        default:
        dflt : { /* a class and its optional suffix */
            const char *ep = class_end(ms, p);
            if (!single_match(ms, s, p, ep)) {
                if (*ep == '*' || *ep == '?' || *ep == '-') { /* may match nothing */
                    p = ep + 1;
                    goto init;
                }
                s = NULL; /* '+' or no suffix */
            } else {
                switch (*ep) {
                case '?': {
                    const char *res = match(ms, s + 1, ep + 1);
                    if (res != NULL) {
                        s = res;
                    } else {
                        p = ep + 1;
                        goto init;
                    }
                    break;
                }
                case '+':
                    s++; /* one match already done */
                    s = max_expand(ms, s, p, ep);
                    break;
                case '*':
                    s = max_expand(ms, s, p, ep);
                    break;
                case '-':
                    s = min_expand(ms, s, p, ep);
                    break;
                default:
                    s++;
                    p = ep;
                    goto init;
                }
            }
            break;
        }
        }
    }
    ms->matchdepth++;
    return s;
}

/* ==== captures =========================================================================== */

/* Capture i as a string (returns its length, cap set) or, for a position capture, pushes the
 * position and returns CAP_POSITION. With no captures, capture 0 is the whole match. */
static ptrdiff_t get_one_capture(match_state *ms, int i, const char *s, const char *e,
                                 const char **cap)
{
    if (i >= ms->level) {
        if (i != 0) {
            luaL_error(ms->L, "invalid capture index %%%d", i + 1);
        }
        *cap = s;
        return e - s;
    }
    ptrdiff_t capl = ms->capture[i].len;
    *cap = ms->capture[i].init;
    if (capl == CAP_UNFINISHED) {
        luaL_error(ms->L, "unfinished capture");
    } else if (capl == CAP_POSITION) {
        lua_pushinteger(ms->L, (ms->capture[i].init - ms->src_init) + 1);
    }
    return capl;
}

static void push_one_capture(match_state *ms, int i, const char *s, const char *e)
{
    const char *cap;
    ptrdiff_t l = get_one_capture(ms, i, s, e, &cap);
    if (l != CAP_POSITION) {
        lua_pushlstring(ms->L, cap, (size_t)l);
    }
}

static int push_captures(match_state *ms, const char *s, const char *e)
{
    int nlevels = (ms->level == 0 && s) ? 1 : ms->level;
    luaL_checkstack(ms->L, nlevels, "too many captures");
    for (int i = 0; i < nlevels; i++) {
        push_one_capture(ms, i, s, e);
    }
    return nlevels;
}

/* ==== find, match, gmatch, gsub ========================================================== */

static void prep_state(match_state *ms, lua_State *L, const mc_luapattern_limits *limits,
                       const char *s, size_t ls, const char *p, size_t lp)
{
    ms->L = L;
    ms->limits = limits;
    ms->left = TICK_STEPS;
    ms->matchdepth = MAXCCALLS;
    ms->src_init = s;
    ms->src_end = s + ls;
    ms->p_end = p + lp;
}

static void reprep_state(match_state *ms)
{
    ms->level = 0;
    ms->matchdepth = MAXCCALLS;
}

/* A relative initial position (negative counts from the end) as an absolute one from 1. */
static size_t posrelat_init(lua_Integer pos, size_t len)
{
    if (pos > 0) {
        return (size_t)pos;
    } else if (pos == 0) {
        return 1;
    } else if (pos < -(lua_Integer)len) {
        return 1;
    }
    return len + (size_t)pos + 1;
}

static int no_specials(const char *p, size_t l)
{
    size_t upto = 0;
    do {
        if (strpbrk(p + upto, SPECIALS)) {
            return 0;
        }
        upto += strlen(p + upto) + 1; /* there may be more after a \0 */
    } while (upto <= l);
    return 1;
}

/* Plain search: memchr for the first byte, then a compare, each charged, so that a long needle
 * made to almost match everywhere (O(n·m) bytes) runs out of time instead of running on. */
static const char *plain_find(match_state *ms, const char *s1, size_t l1, const char *s2, size_t l2)
{
    if (l2 == 0) {
        return s1; /* the empty string is everywhere */
    }
    if (l2 > l1) {
        return NULL;
    }
    l2--;         /* the first byte is checked by memchr */
    l1 = l1 - l2; /* s2 cannot start after that */
    const char *init;
    while (l1 > 0 && (init = memchr(s1, *s2, l1)) != NULL) {
        charge(ms, (size_t)(init - s1) / 16 + l2 + 1);
        init++;
        if (memcmp(init, s2 + 1, l2) == 0) {
            return init - 1;
        }
        l1 -= (size_t)(init - s1);
        s1 = init;
    }
    return NULL;
}

static int find_aux(lua_State *L, int find)
{
    size_t ls, lp;
    const char *s = luaL_checklstring(L, 1, &ls);
    const char *p = luaL_checklstring(L, 2, &lp);
    size_t init = posrelat_init(luaL_optinteger(L, 3, 1), ls) - 1;
    match_state ms;
    prep_state(&ms, L, limits_of(L), s, ls, p, lp);
    if (init > ls) { /* starts after the string's end */
        luaL_pushfail(L);
        return 1;
    }
    if (find && (lua_toboolean(L, 4) || no_specials(p, lp))) {
        const char *s2 = plain_find(&ms, s + init, ls - init, p, lp);
        if (s2) {
            lua_pushinteger(L, (s2 - s) + 1);
            lua_pushinteger(L, (lua_Integer)((size_t)(s2 - s) + lp));
            return 2;
        }
    } else {
        const char *s1 = s + init;
        int anchor = (*p == '^');
        if (anchor) {
            p++;
            lp--;
            ms.p_end = p + lp;
        }
        do {
            reprep_state(&ms);
            const char *res = match(&ms, s1, p);
            if (res != NULL) {
                if (find) {
                    lua_pushinteger(L, (s1 - s) + 1);
                    lua_pushinteger(L, res - s);
                    return push_captures(&ms, NULL, 0) + 2;
                }
                return push_captures(&ms, s1, res);
            }
        } while (s1++ < ms.src_end && !anchor);
    }
    luaL_pushfail(L);
    return 1;
}

static int str_find(lua_State *L)
{
    return find_aux(L, 1);
}

static int str_match(lua_State *L)
{
    return find_aux(L, 0);
}

typedef struct gmatch_state {
    const char *src;       /* where the next search starts */
    const char *p;         /* the pattern */
    const char *lastmatch; /* the end of the last match */
    match_state ms;
} gmatch_state;

static int gmatch_aux(lua_State *L)
{
    gmatch_state *gm = lua_touserdata(L, lua_upvalueindex(3));
    gm->ms.L = L;
    for (const char *src = gm->src; src <= gm->ms.src_end; src++) {
        reprep_state(&gm->ms);
        const char *e = match(&gm->ms, src, gm->p);
        if (e != NULL && e != gm->lastmatch) {
            gm->src = gm->lastmatch = e;
            return push_captures(&gm->ms, src, e);
        }
    }
    return 0;
}

static int str_gmatch(lua_State *L)
{
    size_t ls, lp;
    const char *s = luaL_checklstring(L, 1, &ls);
    const char *p = luaL_checklstring(L, 2, &lp);
    size_t init = posrelat_init(luaL_optinteger(L, 3, 1), ls) - 1;
    const mc_luapattern_limits *limits = limits_of(L);
    lua_settop(L, 2); /* the closure keeps both strings alive */
    gmatch_state *gm = lua_newuserdatauv(L, sizeof *gm, 0);
    if (init > ls) {
        init = ls + 1; /* avoid overflows in s + init */
    }
    prep_state(&gm->ms, L, limits, s, ls, p, lp);
    gm->src = s + init;
    gm->p = p;
    gm->lastmatch = NULL;
    lua_pushcclosure(L, gmatch_aux, 3);
    return 1;
}

static void add_s(match_state *ms, luaL_Buffer *b, const char *s, const char *e)
{
    size_t l;
    lua_State *L = ms->L;
    const char *news = lua_tolstring(L, 3, &l);
    charge(ms, l); /* a long replacement of empty captures produces nothing, but costs */
    const char *p;
    while ((p = memchr(news, L_ESC, l)) != NULL) {
        luaL_addlstring(b, news, (size_t)(p - news));
        p++; /* skip the escape */
        if (*p == L_ESC) {
            luaL_addchar(b, *p);
        } else if (*p == '0') {
            luaL_addlstring(b, s, (size_t)(e - s));
        } else if (isdigit(uchar(*p))) {
            const char *cap;
            ptrdiff_t resl = get_one_capture(ms, *p - '1', s, e, &cap);
            if (resl == CAP_POSITION) {
                luaL_addvalue(b);
            } else {
                luaL_addlstring(b, cap, (size_t)resl);
            }
        } else {
            luaL_error(L, "invalid use of '%c' in replacement string", L_ESC);
        }
        l -= (size_t)(p + 1 - news);
        news = p + 1;
    }
    luaL_addlstring(b, news, l);
}

/* Adds the replacement of the match s..e; returns whether the text changed. */
static int add_value(match_state *ms, luaL_Buffer *b, const char *s, const char *e, int tr)
{
    lua_State *L = ms->L;
    switch (tr) {
    case LUA_TFUNCTION: {
        lua_pushvalue(L, 3);
        int n = push_captures(ms, s, e);
        lua_call(L, n, 1);
        break;
    }
    case LUA_TTABLE:
        push_one_capture(ms, 0, s, e);
        lua_gettable(L, 3);
        break;
    default: /* LUA_TNUMBER or LUA_TSTRING */
        add_s(ms, b, s, e);
        return 1;
    }
    if (!lua_toboolean(L, -1)) { /* nil or false: keep the original text */
        lua_pop(L, 1);
        luaL_addlstring(b, s, (size_t)(e - s));
        return 0;
    }
    if (!lua_isstring(L, -1)) {
        return luaL_error(L, "invalid replacement value (a %s)", luaL_typename(L, -1));
    }
    luaL_addvalue(b);
    return 1;
}

static int str_gsub(lua_State *L)
{
    size_t srcl, lp;
    const char *src = luaL_checklstring(L, 1, &srcl);
    const char *p = luaL_checklstring(L, 2, &lp);
    const char *lastmatch = NULL;
    int tr = lua_type(L, 3);
    lua_Integer max_s = luaL_optinteger(L, 4, (lua_Integer)srcl + 1);
    int anchor = (*p == '^');
    lua_Integer n = 0;
    int changed = 0;
    match_state ms;
    luaL_Buffer b;
    luaL_argexpected(
        L, tr == LUA_TNUMBER || tr == LUA_TSTRING || tr == LUA_TFUNCTION || tr == LUA_TTABLE, 3,
        "string/function/table");
    const mc_luapattern_limits *limits = limits_of(L);
    luaL_buffinit(L, &b);
    if (anchor) {
        p++;
        lp--;
    }
    prep_state(&ms, L, limits, src, srcl, p, lp);
    while (n < max_s) {
        reprep_state(&ms);
        const char *e = match(&ms, src, p);
        if (e != NULL && e != lastmatch) {
            n++;
            changed = add_value(&ms, &b, src, e, tr) | changed;
            src = lastmatch = e;
        } else if (src < ms.src_end) { /* skip one character */
            luaL_addchar(&b, *src++);
        } else {
            break;
        }
        if (anchor) {
            break;
        }
    }
    if (!changed) {
        lua_pushvalue(L, 1); /* the original string */
    } else {
        luaL_addlstring(&b, src, (size_t)(ms.src_end - src));
        luaL_pushresult(&b);
    }
    lua_pushinteger(L, n);
    return 2;
}

void mc_luapattern_register(lua_State *L, const mc_luapattern_limits *limits)
{
    static const luaL_Reg fns[] = {
        {"find", str_find}, {"match", str_match}, {"gmatch", str_gmatch},
        {"gsub", str_gsub}, {NULL, NULL},
    };
    lua_pushlightuserdata(L, (void *)limits);
    luaL_setfuncs(L, fns, 1);
}
