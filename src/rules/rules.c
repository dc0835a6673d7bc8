/*
 * The Lua sandbox (rules.h). One lua_State per mc_rules; module environments, library proxies
 * and the dossier view are built once, inside protected calls, so that running out of memory
 * anywhere ends in MC_ENOMEM instead of a Lua panic.
 */
#include "motcua/rules.h"

#include "motcua/alloc.h"
#include "motcua/value.h"
#include "luapattern.h"
#include "base/dir.h"
#include "base/grow.h"
#include "base/map.h"
#include "base/suggest.h"

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The count hook fires every HOOK_PERIOD instructions of a thread and adds them to the call's
 * total, shared by every coroutine the rule makes; it also reads the clock. C functions that can
 * run long without an instruction (pattern matching, table.sort, insert, remove, move) read it
 * every TICK_CALLS of their own steps. */
enum { HOOK_PERIOD = 100, TICK_CALLS = 256, SEED = 20250701 };

#ifdef CLOCK_MONOTONIC_COARSE
#define DEADLINE_CLOCK CLOCK_MONOTONIC_COARSE /* a few ns through the vDSO, 1-4 ms steps */
#else
#define DEADLINE_CLOCK CLOCK_MONOTONIC
#endif

struct mc_rule {
    int ref;                       /* registry reference to the function */
    char *key;                     /* "module\0function" */
    const char *module, *function; /* into key */
    char *where;                   /* "rules/civil.lua:12", the line that defines it */
};

/* The lists of the dossier view a rule iterates with pairs. */
enum { VIEW_FIELDS, VIEW_DOCUMENTS, VIEW_PARTIES, VIEW_KINDS };

typedef struct rule_module {
    char *name;
    char *path;
    int env_ref;      /* the module's definitions table */
    char **functions; /* names of its functions, sorted */
    size_t nfunctions;
} rule_module;

struct mc_rules {
    lua_State *L;
    mc_rules_opts opts;
    size_t used;       /* bytes held by the state */
    size_t limit;      /* the allocator refuses to grow past this */
    bool mem_exceeded; /* the limit (not the system) refused an allocation */
    uint64_t steps_used;
    int64_t deadline;        /* ms on DEADLINE_CLOCK; 0 until the call's first check */
    bool in_call;            /* a rule or a module's first run is running */
    bool killed;             /* the budget or the time ran out during this call */
    bool timed_out;          /* the time (or an interrupt), not the budget */
    atomic_bool interrupted; /* mc_rules_interrupt: end every call at its next check */
    /* The calls that failed, by how (mc_rules_stats_get): written by the thread running the
     * rules, read by another one scraping /metrics. */
    atomic_uint_fast64_t n_errors, n_steps, n_memory, n_time;
    const mc_rule_view *view;
    /* The view objects d.fields, d.documents, d.parties (by VIEW_*), known to safe_pairs by
     * their addresses; and the entry of each list its iterator gave last in this call. */
    const void *view_obj[VIEW_KINDS];
    size_t iter_at[VIEW_KINDS];
    rule_module *modules;
    size_t nmodules;
    char **module_names; /* the modules' names, in the same order */
    size_t modules_cap;  /* of modules and module_names */
    size_t names_cap;
    mc_map resolved; /* "module.function" -> mc_rule */
    /* rules resolved before, by a hash of the addresses of their module and function names
     * (callers pass the catalogue's strings again and again); a hit is checked by the names */
    const mc_rule *recent[64];
    char **failed;   /* modules that did not load */
    size_t nfailed, failed_cap;
    mc_rule **rules;
    size_t nrules, caprules;
    const mc_catalogue *cat; /* fees.amount reads its fee schedules; or NULL */
    /* mc_rules_trace: called with each line a call runs, or NULL (the hook then counts only) */
    void (*trace)(void *ud, const char *file, int line);
    void *trace_ud;
};

static void rule_free(mc_rule *rule);
static void count_hook(lua_State *L, lua_Debug *ar);

/* The events the hook takes: the count, and each line while a trace is set. */
static int hook_mask(const mc_rules *r)
{
    return LUA_MASKCOUNT | (r->trace != NULL ? LUA_MASKLINE : 0);
}

/* Stack slots kept on the main thread for the state's life. */
enum { SLOT_MSGH = 1, SLOT_D = 2 };

/* ==== allocation ========================================================================= */

static void *lua_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    mc_rules *r = ud;
    if (ptr == NULL) {
        osize = 0; /* osize is a type tag when ptr is NULL */
    }
    if (nsize == 0) {
        mc_free(ptr);
        r->used -= osize;
        return NULL;
    }
    if (nsize > osize && r->used + (nsize - osize) > r->limit) {
        r->mem_exceeded = true;
        return NULL;
    }
    void *p = mc_realloc(ptr, nsize);
    if (p == NULL) {
        /* Lua assumes shrinking never fails: keep the old block. */
        return nsize <= osize ? ptr : NULL;
    }
    r->used = r->used - osize + nsize;
    return p;
}

/* Every thread's extra space holds the mc_rules pointer (copied from the main thread when a
 * coroutine is made); bit 0 marks a coroutine that a kill stopped inside the count hook (see
 * mark_killed). */
static mc_rules *rules_of(lua_State *L)
{
    uintptr_t p = *(uintptr_t *)lua_getextraspace(L);
    return (mc_rules *)(p & ~(uintptr_t)1);
}

/* ==== the instruction budget and the deadline ============================================ */

static int64_t clock_ms(void)
{
    struct timespec ts;
    clock_gettime(DEADLINE_CLOCK, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* True when the call is past its deadline. The deadline starts at the call's first check (its
 * first HOOK_PERIOD instructions, or its first TICK_CALLS steps inside a C function), so that a
 * short rule never reads the clock; what runs before that check is bounded by those counts. */
static bool out_of_time(mc_rules *r)
{
    if (atomic_load_explicit(&r->interrupted, memory_order_relaxed)) {
        return true;
    }
    int64_t now = clock_ms();
    if (r->deadline == 0) {
        r->deadline = now + (int64_t)r->opts.time_ms;
        return false;
    }
    return now >= r->deadline;
}

/* A kill raised inside the count hook leaves Lua's allowhook off on that thread: for the main
 * thread the enclosing lua_pcall turns it back on, but a coroutine stays without hooks. Its
 * pending to-be-closed variables would then run unbounded when coroutine.wrap or
 * coroutine.close closes it, so such a thread is marked and never closed (see co_wrap). */
static void mark_killed(lua_State *L)
{
    if (lua_pushthread(L) == 0) {
        uintptr_t *p = lua_getextraspace(L);
        *p |= 1;
    }
    lua_pop(L, 1);
}

static bool was_killed(lua_State *co)
{
    return (*(uintptr_t *)lua_getextraspace(co) & 1) != 0;
}

/* Raises the call's kill at src:line. The hook is re-armed at every instruction: a pcall in the
 * rule may catch the error, but the next instruction raises it again, until the rule is out. */
static int raise_kill(lua_State *L, mc_rules *r, const char *src, int line)
{
    lua_sethook(L, count_hook, hook_mask(r), 1);
    if (r->timed_out && atomic_load_explicit(&r->interrupted, memory_order_relaxed)) {
        lua_pushfstring(L, "%s:%d: interrupted", src, line);
    } else if (r->timed_out) {
        lua_pushfstring(L, "%s:%d: time limit exceeded (%d ms)", src, line, (int)r->opts.time_ms);
    } else {
        lua_pushfstring(L, "%s:%d: instruction budget exceeded (%I steps)", src, line,
                        (lua_Integer)r->opts.steps);
    }
    return lua_error(L);
}

static void count_hook(lua_State *L, lua_Debug *ar)
{
    mc_rules *r = rules_of(L);
    if (ar->event == LUA_HOOKLINE) { /* mc_rules_trace */
        if (r->trace != NULL && r->in_call && lua_getinfo(L, "S", ar)) {
            r->trace(r->trace_ud, ar->short_src, ar->currentline);
        }
        return;
    }
    int period = lua_gethookcount(L);
    r->steps_used += (uint64_t)period;
    if (!r->in_call) {
        return;
    }
    if (!r->killed) {
        if (r->steps_used < r->opts.steps && !out_of_time(r)) {
            if (period != HOOK_PERIOD) { /* a coroutine left armed by an earlier kill */
                lua_sethook(L, count_hook, hook_mask(r), HOOK_PERIOD);
            }
            return;
        }
        r->killed = true;
        r->timed_out = r->steps_used < r->opts.steps;
    }
    mark_killed(L);
    lua_getinfo(L, "Sl", ar);
    raise_kill(L, r, ar->short_src, ar->currentline);
}

/* The check of C functions that may run long: raises the kill (at the calling rule's line)
 * when the call is out of time or already killed. Not in a hook: Lua's hooks stay on. */
static void tick(lua_State *L)
{
    mc_rules *r = rules_of(L);
    if (!r->in_call || (!r->killed && !out_of_time(r))) {
        return;
    }
    if (!r->killed) {
        r->killed = true;
        r->timed_out = true;
    }
    lua_Debug ar;
    for (int level = 1; lua_getstack(L, level, &ar); level++) {
        if (lua_getinfo(L, "Sl", &ar) && ar.currentline > 0) {
            raise_kill(L, r, ar.short_src, ar.currentline);
        }
    }
    raise_kill(L, r, "?", 0);
}

static const mc_luapattern_limits pattern_limits = {tick};

/* The message handler of every protected call: errors become strings. */
static int msgh(lua_State *L)
{
    int t = lua_type(L, 1);
    if (t == LUA_TSTRING) {
        return 1;
    }
    if (t == LUA_TNUMBER) {
        lua_pushstring(L, lua_tostring(L, 1));
        return 1;
    }
    /* Name the first Lua function up the stack (level 1 is usually `error` itself). */
    lua_Debug ar;
    for (int level = 1; lua_getstack(L, level, &ar); level++) {
        if (lua_getinfo(L, "Sl", &ar) && ar.currentline > 0) {
            lua_pushfstring(L, "%s:%d: the rule raised a %s instead of an error message",
                            ar.short_src, ar.currentline, luaL_typename(L, 1));
            return 1;
        }
    }
    {
        lua_pushfstring(L, "the rule raised a %s instead of an error message", luaL_typename(L, 1));
    }
    return 1;
}

/* Starts the limits of one call or module run. The count hook stays installed for the
 * state's life (installing it costs more than a short rule); the count it carries over from
 * the previous call is less than HOOK_PERIOD instructions. */
static void limits_on(mc_rules *r)
{
    r->steps_used = 0;
    r->deadline = 0;
    r->in_call = true;
    r->mem_exceeded = false;
    r->limit = r->used + r->opts.memory_cap;
    /* Module-level caches persist between calls: the whole state may not grow past a ceiling
     * of 8 caps, or a long-running server would grow without bound. */
    size_t ceiling = r->opts.memory_cap * 8;
    if (r->limit > ceiling && r->used < ceiling) {
        r->limit = ceiling;
    }
}

static void limits_off(mc_rules *r)
{
    if (r->killed) {
        lua_sethook(r->L, count_hook, hook_mask(r), HOOK_PERIOD); /* undo the re-arm at 1 */
        r->killed = false;
        r->timed_out = false;
    }
    r->in_call = false;
    r->limit = SIZE_MAX;
    r->view = NULL;
}

/* ==== read-only tables =================================================================== */

static int refuse_write(lua_State *L)
{
    const char *what = lua_tostring(L, lua_upvalueindex(1));
    if (lua_type(L, 2) == LUA_TSTRING) {
        return luaL_error(L, "%s is read-only (cannot set '%s')", what, lua_tostring(L, 2));
    }
    return luaL_error(L, "%s is read-only", what);
}

/* Pushes a metatable for a read-only view of what (a string for messages): __newindex refuses,
 * __metatable hides the metatable from getmetatable/setmetatable. */
static void push_ro_meta(lua_State *L, const char *what)
{
    lua_createtable(L, 0, 3);
    lua_pushstring(L, what);
    lua_pushcclosure(L, refuse_write, 1);
    lua_setfield(L, -2, "__newindex");
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
}

/* Replaces the table on top of the stack by an empty read-only proxy that reads through it. */
static void make_proxy(lua_State *L, const char *what)
{
    lua_newtable(L);       /* real proxy */
    push_ro_meta(L, what); /* real proxy meta */
    lua_pushvalue(L, -3);
    lua_setfield(L, -2, "__index");
    lua_setmetatable(L, -2); /* real proxy */
    lua_remove(L, -2);       /* proxy */
}

/* ==== the dossier view =================================================================== */

static const mc_rule_view *view_of(lua_State *L)
{
    const mc_rule_view *v = rules_of(L)->view;
    if (v == NULL) {
        luaL_error(L, "the dossier is only available while a rule runs");
    }
    return v;
}

static void push_val(lua_State *L, const mc_val *v)
{
    switch (v->kind) {
    case MC_VAL_TEXT:
        lua_pushstring(L, v->text);
        break;
    case MC_VAL_INTEGER:
        lua_pushinteger(L, (lua_Integer)v->integer);
        break;
    case MC_VAL_NUMBER:
        lua_pushnumber(L, (lua_Number)v->number);
        break;
    case MC_VAL_BOOL:
        lua_pushboolean(L, v->boolean);
        break;
    default:
        lua_pushnil(L);
        break;
    }
}

/* Records in v->reads that the field named k (at index at of the view's fields, or SIZE_MAX
 * when the view does not set it) was looked up. */
static void record_field(const mc_rule_view *v, const char *k, size_t at)
{
    mc_rule_reads *rd = v->reads;
    if (rd->names == NULL) {
        if (at != SIZE_MAX && rd->field != NULL) {
            rd->field[at] = true;
        } else {
            rd->other = true;
        }
        return;
    }
    for (size_t i = 0; i < rd->nnames; i++) {
        if (strcmp(rd->names[i], k) == 0) {
            rd->field[i] = true;
            return;
        }
    }
    rd->other = true;
}

static int fields_index(lua_State *L)
{
    const mc_rule_view *v = view_of(L);
    const char *k = lua_type(L, 2) == LUA_TSTRING ? lua_tostring(L, 2) : NULL;
    if (k != NULL) {
        for (size_t i = 0; i < v->nfields; i++) {
            if (v->fields[i].name[0] == k[0] && strcmp(v->fields[i].name, k) == 0) {
                if (v->reads != NULL) {
                    record_field(v, k, i);
                }
                push_val(L, &v->fields[i].value);
                return 1;
            }
        }
        if (v->reads != NULL) {
            record_field(v, k, SIZE_MAX);
        }
    } else if (v->reads != NULL) {
        v->reads->other = true; /* d.fields[1], d.fields[true]: never a field, but read */
    }
    lua_pushnil(L);
    return 1;
}

static int documents_index(lua_State *L)
{
    const mc_rule_view *v = view_of(L);
    const char *k = lua_tostring(L, 2);
    if (k != NULL && lua_type(L, 2) == LUA_TSTRING) {
        for (size_t i = 0; i < v->ndocuments; i++) {
            if (strcmp(v->documents[i].name, k) == 0) {
                lua_pushstring(L, v->documents[i].status);
                return 1;
            }
        }
    }
    lua_pushnil(L);
    return 1;
}

/* d.parties.NAME: the identifier of the party (nil when the dossier names none). */
static int parties_index(lua_State *L)
{
    const mc_rule_view *v = view_of(L);
    const char *k = lua_type(L, 2) == LUA_TSTRING ? lua_tostring(L, 2) : NULL;
    for (size_t i = 0; k != NULL && i < v->nparties; i++) {
        if (strcmp(v->parties[i].name, k) == 0 && v->parties[i].id != NULL) {
            lua_pushstring(L, v->parties[i].id);
            return 1;
        }
    }
    lua_pushnil(L);
    return 1;
}

/* The iterators of pairs(d.fields), pairs(d.documents) and pairs(d.parties), in the order of
 * the view's lists: stateless, as `next` is (iter(d.fields, key) gives the entry after key), so
 * that pairs allocates nothing. The entry returned last is remembered for the call (a hint: the
 * next step checks its name and, when nested loops over one list moved it, finds the key by
 * name). A party the dossier does not name is skipped: pairs ends at a nil value. */
static size_t view_count(const mc_rule_view *v, int kind)
{
    return kind == VIEW_PARTIES ? v->nparties : kind == VIEW_DOCUMENTS ? v->ndocuments : v->nfields;
}

static const char *view_name(const mc_rule_view *v, int kind, size_t i)
{
    return kind == VIEW_PARTIES     ? v->parties[i].name
           : kind == VIEW_DOCUMENTS ? v->documents[i].name
                                    : v->fields[i].name;
}

static int view_step(lua_State *L, int kind)
{
    mc_rules *r = rules_of(L);
    const mc_rule_view *v = view_of(L);
    size_t n = view_count(v, kind), i = 0;
    if (!lua_isnoneornil(L, 2)) {
        const char *k = lua_type(L, 2) == LUA_TSTRING ? lua_tostring(L, 2) : NULL;
        size_t at = r->iter_at[kind];
        if (k == NULL) {
            return 0;
        }
        if (at < n && strcmp(view_name(v, kind, at), k) == 0) {
            i = at + 1;
        } else {
            for (i = 0; i < n && strcmp(view_name(v, kind, i), k) != 0; i++) {
            }
            i++; /* past the key; past the end when it is none of the list's */
        }
    }
    while (kind == VIEW_PARTIES && i < n && v->parties[i].id == NULL) {
        i++;
    }
    if (i >= n) {
        return 0;
    }
    r->iter_at[kind] = i;
    if (kind == VIEW_PARTIES) {
        lua_pushstring(L, v->parties[i].name);
        lua_pushstring(L, v->parties[i].id);
    } else if (kind == VIEW_DOCUMENTS) {
        lua_pushstring(L, v->documents[i].name);
        lua_pushstring(L, v->documents[i].status);
    } else {
        lua_pushstring(L, v->fields[i].name);
        push_val(L, &v->fields[i].value);
    }
    return 2;
}

static int fields_next(lua_State *L)
{
    return view_step(L, VIEW_FIELDS);
}

static int documents_next(lua_State *L)
{
    return view_step(L, VIEW_DOCUMENTS);
}

static int parties_next(lua_State *L)
{
    return view_step(L, VIEW_PARTIES);
}

static const lua_CFunction view_nexts[] = {fields_next, documents_next, parties_next};

/* What pairs gives for the view object of kind (at index 1): its iterator, itself, nil. */
static int view_iterate(lua_State *L, int kind)
{
    const mc_rule_view *v = view_of(L);
    if (kind == VIEW_FIELDS && v->reads != NULL) {
        v->reads->all_fields = true;
    }
    lua_pushcfunction(L, view_nexts[kind]);
    lua_pushvalue(L, 1);
    lua_pushnil(L);
    return 3;
}

/* The __pairs of a view object: upvalue 1 is its kind (VIEW_*). */
static int view_pairs(lua_State *L)
{
    return view_iterate(L, (int)lua_tointeger(L, lua_upvalueindex(1)));
}

static int pairs_done(lua_State *L, int status, lua_KContext k)
{
    (void)L;
    (void)status;
    (void)k;
    return 3;
}

/* The rules' pairs: Lua's (lbaselib's luaB_pairs, `next` in upvalue 1), except that a view
 * object is known by its address and iterated without looking its metatable up. */
static int safe_pairs(lua_State *L)
{
    luaL_checkany(L, 1);
    const void *u = lua_touserdata(L, 1);
    mc_rules *r = rules_of(L);
    for (int kind = 0; u != NULL && kind < VIEW_KINDS; kind++) {
        if (u == r->view_obj[kind]) {
            return view_iterate(L, kind);
        }
    }
    if (luaL_getmetafield(L, 1, "__pairs") == LUA_TNIL) {
        lua_pushvalue(L, lua_upvalueindex(1));
        lua_pushvalue(L, 1);
        lua_pushnil(L);
    } else {
        lua_pushvalue(L, 1);
        lua_callk(L, 1, 3, 0, pairs_done);
    }
    return 3;
}

/* The view's version and submission instant (either pointer may be NULL), from texts when the
 * view gives it. */
static void view_texts(const mc_rule_view *v, const char **version, const char **submitted)
{
    const char *ver = v->version, *sub = v->submitted;
    if (v->texts != NULL) {
        v->texts(v->ud, &ver, &sub);
    }
    if (version != NULL) {
        *version = ver;
    }
    if (submitted != NULL) {
        *submitted = sub;
    }
}

/* The scalar attributes of d (fields and documents are found before this is asked). */
static int d_index(lua_State *L)
{
    const mc_rule_view *v = view_of(L);
    size_t n;
    const char *k = lua_type(L, 2) == LUA_TSTRING ? lua_tolstring(L, 2, &n) : "";
    const char *s = NULL;
    if (strcmp(k, "procedure") == 0) {
        s = v->procedure;
    } else if (strcmp(k, "version") == 0) {
        view_texts(v, &s, NULL);
    } else if (strcmp(k, "subject") == 0) {
        s = v->subject;
    } else if (strcmp(k, "state") == 0) {
        s = v->state;
    } else if (strcmp(k, "channel") == 0) {
        s = v->channel;
        if (v->reads != NULL) {
            v->reads->channel = true;
        }
    } else if (strcmp(k, "submitted") == 0) {
        view_texts(v, NULL, &s);
    }
    if (s != NULL) {
        lua_pushstring(L, s);
    } else {
        lua_pushnil(L);
    }
    return 1;
}

/* Pushes a view userdata with its metatable: idx reads, pairs iterates (when given) over the
 * list kind (VIEW_*). Its address is kept in r->view_obj[kind], for safe_pairs. */
static void push_view_object(lua_State *L, const char *what, lua_CFunction idx, int kind,
                             bool iterable, int nuv)
{
    rules_of(L)->view_obj[kind] = lua_newuserdatauv(L, 1, nuv);
    push_ro_meta(L, what);
    lua_pushcfunction(L, idx);
    lua_setfield(L, -2, "__index");
    if (iterable) {
        lua_pushinteger(L, kind);
        lua_pushcclosure(L, view_pairs, 1);
        lua_setfield(L, -2, "__pairs");
    }
    lua_setmetatable(L, -2);
}

/* ==== registry and calendar functions ==================================================== */

static int registry_holds(lua_State *L)
{
    const mc_rule_view *v = view_of(L);
    const char *reg = luaL_checkstring(L, 1);
    const char *doc = luaL_checkstring(L, 2);
    const char *subject = luaL_checkstring(L, 3);
    lua_pushboolean(L, v->registry_holds != NULL && v->registry_holds(v->ud, reg, doc, subject));
    return 1;
}

/* A date or datetime argument in local time, as minutes. */
static mc_datetime check_datetime(lua_State *L, int arg)
{
    size_t n;
    const char *s = luaL_checklstring(L, arg, &n);
    mc_datetime t;
    mc_date d;
    char msg[120];
    if (n == 10 && mc_value_date(s, n, &d, msg, sizeof msg) == 0) {
        return (mc_datetime)d * 1440;
    }
    if (mc_value_datetime(s, n, &t, msg, sizeof msg) != 0) {
        luaL_argerror(L, arg, msg);
    }
    return t;
}

static int calendar_add(lua_State *L)
{
    const mc_rule_view *v = view_of(L);
    mc_datetime t = check_datetime(L, 1);
    size_t n;
    const char *s = luaL_checklstring(L, 2, &n);
    mc_duration d;
    char msg[160];
    if (mc_value_duration(s, n, true, &d, msg, sizeof msg) != 0) {
        return luaL_argerror(L, 2, msg);
    }
    mc_localtime due = mc_calendar_deadline(v->calendar, (mc_localtime)t * 60, d);
    char out[17];
    mc_datetime_format((mc_datetime)(due / 60), out);
    lua_pushstring(L, out);
    return 1;
}

static int calendar_working_days(lua_State *L)
{
    const mc_rule_view *v = view_of(L);
    mc_date from = mc_datetime_date(check_datetime(L, 1));
    mc_date to = mc_datetime_date(check_datetime(L, 2));
    lua_pushinteger(L, (lua_Integer)mc_calendar_working_days(v->calendar, from, to));
    return 1;
}

/* fees.amount(NAME [, DATE]): the amount of fee schedule NAME in force on DATE (a date or a
 * datetime; default: the day the dossier was submitted), before any relief, as an integer in
 * the schedule's currency. Raises when the schedule is unknown or has no amount on that day: a
 * fee computed from a missing figure must not pass for 0. */
static int fees_amount(lua_State *L)
{
    const mc_rule_view *v = view_of(L);
    const mc_catalogue *cat = v->catalogue ? v->catalogue : rules_of(L)->cat;
    const char *name = luaL_checkstring(L, 1);
    mc_date day;
    if (!lua_isnoneornil(L, 2)) {
        day = mc_datetime_date(check_datetime(L, 2));
    } else {
        char msg[120];
        const char *sub;
        view_texts(v, NULL, &sub);
        if (sub == NULL ||
            mc_value_date(sub, strlen(sub) < 10 ? strlen(sub) : 10, &day, msg, sizeof msg) != 0) {
            return luaL_error(L, "fees.amount: the dossier has no submission date (pass a date)");
        }
    }
    const mc_fee_schedule *s = cat ? mc_catalogue_fee_schedule(cat, name) : NULL;
    if (s == NULL) {
        mc_suggest sg;
        mc_suggest_init(&sg, name, strlen(name));
        size_t n = 0;
        const mc_fee_schedule *const *all = cat ? mc_catalogue_fee_schedules(cat, &n) : NULL;
        for (size_t i = 0; i < n; i++) {
            mc_suggest_offer(&sg, all[i]->name);
        }
        if (sg.best != NULL) {
            return luaL_error(L, "fees.amount: unknown fee schedule '%s' (did you mean '%s'?)",
                              name, sg.best);
        }
        return luaL_error(L, "fees.amount: unknown fee schedule '%s'", name);
    }
    const mc_fee_amount *line = mc_fee_schedule_line(s, day);
    if (line == NULL) {
        char text[11];
        mc_date_format(day, text);
        return luaL_error(L, "fees.amount: fee schedule '%s' has no amount in force on %s", name,
                          text);
    }
    lua_pushinteger(L, (lua_Integer)line->amount.amount);
    return 1;
}

void mc_rules_set_catalogue(mc_rules *r, const mc_catalogue *cat)
{
    r->cat = cat;
}

/* ==== building the sandbox =============================================================== */

/* setmetatable without finalizers: a __gc metamethod would run outside any rule call (during
 * garbage collection, or when the state closes), where no budget can stop it. */
static int safe_setmetatable(lua_State *L)
{
    int t = lua_type(L, 2);
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_argexpected(L, t == LUA_TNIL || t == LUA_TTABLE, 2, "nil or table");
    if (luaL_getmetafield(L, 1, "__metatable") != LUA_TNIL) {
        return luaL_error(L, "cannot change a protected metatable");
    }
    if (t == LUA_TTABLE) {
        lua_pushliteral(L, "__gc");
        if (lua_rawget(L, 2) != LUA_TNIL) {
            return luaL_error(L, "__gc metamethods are not allowed in rules");
        }
    }
    lua_settop(L, 2);
    lua_setmetatable(L, 1);
    return 1;
}

/* ==== library functions that stay bounded ============================================== */

/* xpcall whose message handler runs after the protected call has failed, as an ordinary call
 * under the count hook and the deadline. Lua runs a handler at throw time; when the error is a
 * kill raised inside the count hook, hooks are off there, and the handler would run unbounded
 * (`xpcall(error, function() while true do end end)`). The handler therefore no longer sees
 * the stack of the error (rules have no debug library to look at it). As in Lua, a handler that
 * raises is called again with its own error, and after XPCALL_TRIES failures xpcall returns
 * false, "error in error handling". */
enum { XPCALL_TRIES = 8 };

static int xpcall_handled(lua_State *L, int status, lua_KContext tries)
{
    /* [f, handler, true, error, false, result or error of the handler] */
    if (status == LUA_OK || status == LUA_YIELD) {
        return 2;
    }
    if (tries >= XPCALL_TRIES) {
        lua_pop(L, 1);
        lua_pushliteral(L, "error in error handling");
        return 2;
    }
    lua_pushvalue(L, 2);
    lua_insert(L, -2);
    int st = lua_pcallk(L, 1, 1, 0, tries + 1, xpcall_handled);
    return xpcall_handled(L, st, tries + 1);
}

static int xpcall_done(lua_State *L, int status, lua_KContext extra)
{
    if (status == LUA_OK || status == LUA_YIELD) {
        return lua_gettop(L) - (int)extra; /* true and the results */
    }
    /* [f, handler, true, error] */
    lua_pushboolean(L, 0);
    lua_pushvalue(L, 2);
    lua_pushvalue(L, -3);
    int st = lua_pcallk(L, 1, 1, 0, 1, xpcall_handled);
    return xpcall_handled(L, st, 1);
}

static int safe_xpcall(lua_State *L)
{
    int n = lua_gettop(L);
    luaL_checktype(L, 2, LUA_TFUNCTION);
    lua_pushboolean(L, 1);
    lua_pushvalue(L, 1);
    lua_rotate(L, 3, 2); /* [f, handler, true, f, args…] */
    int st = lua_pcallk(L, n - 2, LUA_MULTRET, 0, 2, xpcall_done);
    return xpcall_done(L, st, 2);
}

/* coroutine.wrap and coroutine.close as Lua's lcorolib, except that a coroutine stopped by a
 * kill inside the count hook is not closed (see mark_killed): its to-be-closed variables would
 * run without hooks. */
static int co_wrap_call(lua_State *L)
{
    lua_State *co = lua_tothread(L, lua_upvalueindex(1));
    int narg = lua_gettop(L), nres;
    if (!lua_checkstack(co, narg)) {
        return luaL_error(L, "too many arguments to resume");
    }
    lua_xmove(L, co, narg);
    int st = lua_resume(co, L, narg, &nres);
    if (st == LUA_OK || st == LUA_YIELD) {
        if (!lua_checkstack(L, nres + 1)) {
            lua_pop(co, nres);
            return luaL_error(L, "too many results to resume");
        }
        lua_xmove(co, L, nres);
        return nres;
    }
    lua_xmove(co, L, 1); /* the error */
    st = lua_status(co);
    if (st != LUA_OK && st != LUA_YIELD && !was_killed(co)) {
        lua_pushvalue(L, -1);
        lua_xmove(L, co, 1);
        st = lua_resetthread(co); /* close its to-be-closed variables */
        lua_xmove(co, L, 1);      /* the error, perhaps replaced by a __close */
        lua_remove(L, -2);
    }
    if (st != LUA_ERRMEM && lua_type(L, -1) == LUA_TSTRING) {
        luaL_where(L, 1);
        lua_insert(L, -2);
        lua_concat(L, 2);
    }
    return lua_error(L);
}

static int co_wrap(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TFUNCTION);
    lua_State *co = lua_newthread(L);
    lua_pushvalue(L, 1);
    lua_xmove(L, co, 1);
    lua_pushcclosure(L, co_wrap_call, 1);
    return 1;
}

static int co_close(lua_State *L)
{
    lua_State *co = lua_tothread(L, 1);
    luaL_argexpected(L, co != NULL, 1, "coroutine");
    if (was_killed(co)) {
        tick(L); /* the kill is still on in this call: raise it again */
        lua_pushboolean(L, 0);
        lua_pushliteral(L, "the coroutine was stopped by a rule limit");
        return 2;
    }
    lua_pushvalue(L, lua_upvalueindex(1)); /* Lua's coroutine.close */
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
    return lua_gettop(L);
}

/* string.rep as Lua's, except that repeating the empty string returns at once: Lua copies
 * nothing n times, and n may be 2^62. Any other result is at least n bytes, so the memory cap
 * bounds its time. */
static int safe_rep(lua_State *L)
{
    size_t l, lsep;
    const char *s = luaL_checklstring(L, 1, &l);
    lua_Integer n = luaL_checkinteger(L, 2);
    const char *sep = luaL_optlstring(L, 3, "", &lsep);
    if (n <= 0 || l + lsep == 0) {
        lua_pushliteral(L, "");
        return 1;
    }
    if (l + lsep < l || l + lsep > (size_t)INT32_MAX / (size_t)n) {
        return luaL_error(L, "resulting string too large");
    }
    size_t total = (size_t)n * l + (size_t)(n - 1) * lsep;
    luaL_Buffer b;
    char *p = luaL_buffinitsize(L, &b, total);
    while (n-- > 1) {
        memcpy(p, s, l);
        p += l;
        memcpy(p, sep, lsep);
        p += lsep;
    }
    memcpy(p, s, l);
    luaL_pushresultsize(&b, total);
    return 1;
}

/* The comparison of table.sort without an order function: Lua's sort compares in C, and
 * strings of a few MiB compare in about a millisecond each, so the deadline is checked every
 * TICK_CALLS comparisons, and at each one of long strings. */
static int sort_less(lua_State *L)
{
    lua_Integer n = lua_tointeger(L, lua_upvalueindex(1)) + 1;
    size_t la = lua_type(L, 1) == LUA_TSTRING ? lua_rawlen(L, 1) : 0;
    size_t lb = lua_type(L, 2) == LUA_TSTRING ? lua_rawlen(L, 2) : 0;
    if (n % TICK_CALLS == 0 || (la > 4096 && lb > 4096)) {
        tick(L);
    }
    lua_pushinteger(L, n);
    lua_replace(L, lua_upvalueindex(1));
    lua_pushboolean(L, lua_compare(L, 1, 2, LUA_OPLT));
    return 1;
}

/* table.sort: Lua's, always given an order function (sort_less when the rule gives none), so
 * that every comparison is a call the deadline sees. */
static int safe_sort(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    bool by = !lua_isnoneornil(L, 2);
    if (by) {
        luaL_checktype(L, 2, LUA_TFUNCTION);
    }
    lua_settop(L, 2);
    lua_pushvalue(L, lua_upvalueindex(1)); /* Lua's table.sort */
    lua_pushvalue(L, 1);
    if (by) {
        lua_pushvalue(L, 2);
    } else {
        lua_pushinteger(L, 0);
        lua_pushcclosure(L, sort_less, 1);
    }
    lua_call(L, 2, 0);
    return 0;
}

/* table.insert, remove and move as Lua's ltablib, with a tick every TICK_CALLS elements: their
 * loops run in C and follow __len, so `setmetatable({}, {__len = function() return 1e15 end,
 * __index = {}, __newindex = {}})` would make them loop for ever. */
enum { TAB_R = 1, TAB_W = 2, TAB_L = 4 };

static int check_field(lua_State *L, const char *key, int n)
{
    lua_pushstring(L, key);
    return lua_rawget(L, -n) != LUA_TNIL;
}

static void check_tab(lua_State *L, int arg, int what)
{
    if (lua_type(L, arg) != LUA_TTABLE) {
        int n = 1;
        if (lua_getmetatable(L, arg) && (!(what & TAB_R) || check_field(L, "__index", ++n)) &&
            (!(what & TAB_W) || check_field(L, "__newindex", ++n)) &&
            (!(what & TAB_L) || check_field(L, "__len", ++n))) {
            lua_pop(L, n);
        } else {
            luaL_checktype(L, arg, LUA_TTABLE);
        }
    }
}

static lua_Integer aux_getn(lua_State *L, int n, int w)
{
    check_tab(L, n, w | TAB_L);
    return luaL_len(L, n);
}

/* t[to] = t[from], ticking every TICK_CALLS moves. */
static void move_one(lua_State *L, int src, lua_Integer from, int dst, lua_Integer to,
                     lua_Integer *count)
{
    if (++*count % TICK_CALLS == 0) {
        tick(L);
    }
    lua_geti(L, src, from);
    lua_seti(L, dst, to);
}

static int safe_insert(lua_State *L)
{
    lua_Integer e = aux_getn(L, 1, TAB_R | TAB_W);
    lua_Integer pos, count = 0;
    e = (lua_Integer)((lua_Unsigned)e + 1u); /* the first empty element */
    switch (lua_gettop(L)) {
    case 2:
        pos = e;
        break;
    case 3:
        pos = luaL_checkinteger(L, 2);
        luaL_argcheck(L, (lua_Unsigned)pos - 1u < (lua_Unsigned)e, 2, "position out of bounds");
        for (lua_Integer i = e; i > pos; i--) {
            move_one(L, 1, i - 1, 1, i, &count);
        }
        break;
    default:
        return luaL_error(L, "wrong number of arguments to 'insert'");
    }
    lua_seti(L, 1, pos);
    return 0;
}

static int safe_remove(lua_State *L)
{
    lua_Integer size = aux_getn(L, 1, TAB_R | TAB_W);
    lua_Integer pos = luaL_optinteger(L, 2, size), count = 0;
    if (pos != size) {
        luaL_argcheck(L, (lua_Unsigned)pos - 1u <= (lua_Unsigned)size, 2, "position out of bounds");
    }
    lua_geti(L, 1, pos);
    int result = lua_gettop(L);
    for (; pos < size; pos++) {
        move_one(L, 1, pos + 1, 1, pos, &count);
    }
    lua_pushnil(L);
    lua_seti(L, 1, pos);
    lua_settop(L, result);
    return 1;
}

static int safe_move(lua_State *L)
{
    lua_Integer f = luaL_checkinteger(L, 2);
    lua_Integer e = luaL_checkinteger(L, 3);
    lua_Integer t = luaL_checkinteger(L, 4);
    int tt = !lua_isnoneornil(L, 5) ? 5 : 1; /* the destination table */
    lua_Integer count = 0;
    check_tab(L, 1, TAB_R);
    check_tab(L, tt, TAB_W);
    if (e >= f) {
        luaL_argcheck(L, f > 0 || e < LUA_MAXINTEGER + f, 3, "too many elements to move");
        lua_Integer n = e - f + 1;
        luaL_argcheck(L, t <= LUA_MAXINTEGER - n + 1, 4, "destination wrap around");
        if (t > e || t <= f || (tt != 1 && !lua_compare(L, 1, tt, LUA_OPEQ))) {
            for (lua_Integer i = 0; i < n; i++) {
                move_one(L, 1, f + i, tt, t + i, &count);
            }
        } else {
            for (lua_Integer i = n - 1; i >= 0; i--) {
                move_one(L, 1, f + i, tt, t + i, &count);
            }
        }
    }
    lua_pushvalue(L, tt);
    return 1;
}

/* Other C functions a rule reaches need no check of their own: string.byte, char, format, len,
 * lower, upper, reverse, sub, pack, unpack, table.concat, table.unpack, utf8.*, tostring,
 * tonumber and select do work in proportion to the strings or values they take or make, which
 * the memory cap (and Lua's stack limit) bounds; next, rawlen, rawequal and the comparisons of
 * the VM likewise, and the count hook checks the deadline between instructions; math.* and
 * the rest of coroutine.* are constant time; calendar.add and calendar.working_days walk at
 * most the days of their arguments, which the value parser limits (a duration's length, dates
 * from 1900 to 2999: well under a millisecond); registry.holds is one lookup of the engine. */

/* Protected: puts the bounded functions in place of Lua's in the real library tables (before
 * they are wrapped in read-only proxies). */
static void install_bounded(lua_State *L)
{
    lua_getglobal(L, "string");
    mc_luapattern_register(L, &pattern_limits);
    lua_pushcfunction(L, safe_rep);
    lua_setfield(L, -2, "rep");
    lua_pop(L, 1);

    lua_getglobal(L, "table");
    lua_getfield(L, -1, "sort");
    lua_pushcclosure(L, safe_sort, 1);
    lua_setfield(L, -2, "sort");
    lua_pushcfunction(L, safe_insert);
    lua_setfield(L, -2, "insert");
    lua_pushcfunction(L, safe_remove);
    lua_setfield(L, -2, "remove");
    lua_pushcfunction(L, safe_move);
    lua_setfield(L, -2, "move");
    lua_pop(L, 1);

    lua_getglobal(L, "coroutine");
    lua_pushcfunction(L, co_wrap);
    lua_setfield(L, -2, "wrap");
    lua_getfield(L, -1, "close");
    lua_pushcclosure(L, co_close, 1);
    lua_setfield(L, -2, "close");
    lua_pop(L, 1);

    lua_pushcfunction(L, safe_xpcall);
    lua_setglobal(L, "xpcall");
}

static const char *const base_names[] = {
    "assert", "error",  "ipairs",       "next",         "pairs",    "pcall",
    "xpcall", "select", "tonumber",     "tostring",     "type",     "rawequal",
    "rawlen", "rawget", "getmetatable", "setmetatable", "_VERSION",
};

/* Protected: builds the base table every module environment reads through, the string
 * metatable guard and the view objects. Leaves nothing on the stack. */
static int setup(lua_State *L)
{
    luaL_requiref(L, "_G", luaopen_base, 1);
    luaL_requiref(L, LUA_STRLIBNAME, luaopen_string, 1);
    luaL_requiref(L, LUA_TABLIBNAME, luaopen_table, 1);
    luaL_requiref(L, LUA_MATHLIBNAME, luaopen_math, 1);
    luaL_requiref(L, LUA_UTF8LIBNAME, luaopen_utf8, 1);
    luaL_requiref(L, LUA_COLIBNAME, luaopen_coroutine, 1);
    lua_settop(L, 0);

    /* Deterministic random numbers; rules cannot reseed. */
    lua_getglobal(L, "math");
    lua_getfield(L, -1, "randomseed");
    lua_pushinteger(L, SEED);
    lua_call(L, 1, 0);
    lua_pushnil(L);
    lua_setfield(L, -2, "randomseed");
    lua_pop(L, 1);
    lua_getglobal(L, "string");
    lua_pushnil(L);
    lua_setfield(L, -2, "dump"); /* bytecode has no use here */
    lua_pop(L, 1);
    install_bounded(L);

    lua_newtable(L); /* base */
    for (size_t i = 0; i < sizeof base_names / sizeof base_names[0]; i++) {
        lua_getglobal(L, base_names[i]);
        lua_setfield(L, -2, base_names[i]);
    }
    lua_pushcfunction(L, safe_setmetatable);
    lua_setfield(L, -2, "setmetatable");
    lua_getglobal(L, "next");
    lua_pushcclosure(L, safe_pairs, 1);
    lua_setfield(L, -2, "pairs");
    static const char *const libs[] = {"string", "table", "math", "utf8", "coroutine"};
    for (size_t i = 0; i < sizeof libs / sizeof libs[0]; i++) {
        lua_getglobal(L, libs[i]);
        make_proxy(L, libs[i]);
        lua_setfield(L, -2, libs[i]);
    }
    lua_newtable(L);
    lua_pushcfunction(L, registry_holds);
    lua_setfield(L, -2, "holds");
    make_proxy(L, "registry");
    lua_setfield(L, -2, "registry");
    lua_newtable(L);
    lua_pushcfunction(L, calendar_add);
    lua_setfield(L, -2, "add");
    lua_pushcfunction(L, calendar_working_days);
    lua_setfield(L, -2, "working_days");
    make_proxy(L, "calendar");
    lua_setfield(L, -2, "calendar");
    lua_newtable(L);
    lua_pushcfunction(L, fees_amount);
    lua_setfield(L, -2, "amount");
    make_proxy(L, "fees");
    lua_setfield(L, -2, "fees");
    /* Every module reads the base through its own hidden metatable (prepare_env), whose
     * __index is the base table itself: one look-up for a global such as `pairs`, not two
     * through a proxy. No module can reach the table (the metatable is hidden, an __index
     * table is read, never handed out, and a module's assignments land in its own
     * definitions), so none can change what another one sees. */
    lua_setfield(L, LUA_REGISTRYINDEX, "motcua.base");

    /* Strings index the read-only string proxy, and their metatable cannot be reached. */
    lua_pushliteral(L, "");
    lua_getmetatable(L, -1);
    lua_getfield(L, LUA_REGISTRYINDEX, "motcua.base");
    lua_getfield(L, -1, "string");
    lua_setfield(L, -3, "__index");
    lua_pop(L, 1);
    lua_pushvalue(L, -1);
    make_proxy(L, "the string metatable");
    lua_setfield(L, -2, "__metatable");
    lua_settop(L, 0);

    /* Scrub the real globals: modules never see _G, but nothing should linger there. */
    lua_pushglobaltable(L);
    lua_pushnil(L);
    while (lua_next(L, -2) != 0) {
        lua_pop(L, 1);
        lua_pushvalue(L, -1);
        lua_pushnil(L);
        lua_rawset(L, -4);
    }
    lua_pop(L, 1);

    /* The view, made once and reused by every call: d reads through a table that holds
     * d.fields and d.documents (so reaching them costs no C call) and answers the scalar
     * attributes from C. */
    lua_newuserdatauv(L, 1, 0); /* d: a userdata, so that every write reaches __newindex */
    push_ro_meta(L, "the dossier");
    lua_createtable(L, 0, 3); /* what d reads through */
    push_view_object(L, "d.fields", fields_index, VIEW_FIELDS, true, 0);
    lua_setfield(L, -2, "fields");
    push_view_object(L, "d.documents", documents_index, VIEW_DOCUMENTS, true, 0);
    lua_setfield(L, -2, "documents");
    push_view_object(L, "d.parties", parties_index, VIEW_PARTIES, true, 0);
    lua_setfield(L, -2, "parties");
    lua_createtable(L, 0, 1);
    lua_pushcfunction(L, d_index);
    lua_setfield(L, -2, "__index");
    lua_setmetatable(L, -2);
    lua_setfield(L, -2, "__index");
    lua_setmetatable(L, -2);
    lua_setfield(L, LUA_REGISTRYINDEX, "motcua.d");
    return 0;
}

int mc_rules_new(mc_rules **out, const mc_rules_opts *opts, mc_error *err)
{
    *out = NULL;
    mc_rules *r = mc_calloc(1, sizeof *r);
    if (r == NULL) {
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    atomic_init(&r->n_errors, 0);
    atomic_init(&r->n_steps, 0);
    atomic_init(&r->n_memory, 0);
    atomic_init(&r->n_time, 0);
    mc_rules_opts dflt = MC_RULES_OPTS_INIT;
    r->opts = opts ? *opts : dflt;
    if (r->opts.time_ms == 0) {
        r->opts.time_ms = MC_RULES_TIME_MS;
    }
    r->limit = SIZE_MAX;
    atomic_init(&r->interrupted, false);
    r->L = lua_newstate(lua_alloc, r);
    if (r->L == NULL) {
        mc_free(r);
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    *(mc_rules **)lua_getextraspace(r->L) = r;
    lua_pushcfunction(r->L, setup);
    if (lua_pcall(r->L, 0, 0, 0) != LUA_OK) {
        mc_rules_free(r);
        return mc_error_set(err, MC_ENOMEM, "out of memory setting up the rules sandbox");
    }
    /* Permanent slots: the message handler and d. */
    lua_pushcfunction(r->L, msgh);
    lua_getfield(r->L, LUA_REGISTRYINDEX, "motcua.d");
    lua_sethook(r->L, count_hook, LUA_MASKCOUNT, HOOK_PERIOD);
    *out = r;
    return 0;
}

void mc_rules_free(mc_rules *r)
{
    if (r == NULL) {
        return;
    }
    if (r->L != NULL) {
        lua_close(r->L);
    }
    for (size_t i = 0; i < r->nmodules; i++) {
        rule_module *m = &r->modules[i];
        mc_free(m->name);
        mc_free(m->path);
        for (size_t k = 0; k < m->nfunctions; k++) {
            mc_free(m->functions[k]);
        }
        mc_free(m->functions);
    }
    mc_free(r->modules);
    mc_free(r->module_names);
    for (size_t i = 0; i < r->nfailed; i++) {
        mc_free(r->failed[i]);
    }
    mc_free(r->failed);
    for (size_t i = 0; i < r->nrules; i++) {
        rule_free(r->rules[i]);
    }
    mc_free(r->rules);
    for (size_t i = 0; i < r->resolved.cap; i++) {
        mc_free((char *)r->resolved.slots[i].key);
    }
    mc_map_free(&r->resolved);
    mc_free(r);
}

void mc_rules_interrupt(mc_rules *r)
{
    atomic_store(&r->interrupted, true);
}

void mc_rules_stats_get(const mc_rules *r, mc_rules_stats *out)
{
    mc_rules *w = (mc_rules *)(uintptr_t)r; /* C11's atomic_load takes no const object */
    out->errors = atomic_load_explicit(&w->n_errors, memory_order_relaxed);
    out->steps = atomic_load_explicit(&w->n_steps, memory_order_relaxed);
    out->memory = atomic_load_explicit(&w->n_memory, memory_order_relaxed);
    out->time = atomic_load_explicit(&w->n_time, memory_order_relaxed);
}

size_t mc_rules_memory(const mc_rules *r)
{
    return r->used;
}

/* ==== loading modules ==================================================================== */

static bool valid_module_name(const char *s)
{
    if (!(s[0] >= 'a' && s[0] <= 'z')) {
        return false;
    }
    for (const char *p = s + 1; *p; p++) {
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_')) {
            return false;
        }
    }
    return strlen(s) <= 64;
}

static const rule_module *find_module(const mc_rules *r, const char *name)
{
    for (size_t i = 0; i < r->nmodules; i++) {
        if (strcmp(r->modules[i].name, name) == 0) {
            return &r->modules[i];
        }
    }
    return NULL;
}

/* Reports a Lua load or run error "PATH:LINE: message" as a diagnostic at that line. */
static int report_lua_error(mc_diags *diags, const char *path, const char *text, size_t len,
                            const char *msg)
{
    if (diags == NULL) {
        return 0; /* the caller only wants the outcome */
    }
    /* Lua shortens long chunk names; find ":LINE:" after the (possibly shortened) name. */
    uint32_t line = 0;
    const char *body = msg;
    for (const char *p = msg; *p; p++) {
        if (*p == ':' && p[1] >= '0' && p[1] <= '9') {
            const char *q = p + 1;
            uint32_t n = 0;
            while (*q >= '0' && *q <= '9') {
                n = n * 10 + (uint32_t)(*q - '0');
                q++;
            }
            if (*q == ':') {
                line = n;
                body = q[1] == ' ' ? q + 2 : q + 1;
                break;
            }
        }
    }
    mc_source *src;
    if (line == 0 || mc_source_new(&src, path, text, len, NULL) != 0) {
        return mc_diags_add_at(diags, MC_DIAG_ERROR, path, line, line ? 1 : 0, "%s", body);
    }
    /* The offset of the line, and of the token Lua names ("near 'x'") when it is there. */
    size_t off = 0;
    for (uint32_t l = 1; l < line && off < len; off++) {
        l += text[off] == '\n';
    }
    size_t tok_len = 1;
    const char *near = strstr(body, "near '");
    if (near != NULL) {
        const char *tok = near + 6;
        const char *end = strchr(tok, '\'');
        size_t line_end = off;
        while (line_end < len && text[line_end] != '\n') {
            line_end++;
        }
        if (end != NULL && end > tok) {
            size_t tl = (size_t)(end - tok);
            for (size_t i = off; i + tl <= line_end; i++) {
                if (memcmp(text + i, tok, tl) == 0) {
                    off = i;
                    tok_len = tl;
                    break;
                }
            }
        }
    }
    int rc = mc_diags_add(diags, MC_DIAG_ERROR, src, off, tok_len, "%s", body);
    mc_source_free(src);
    return rc;
}

static int cmp_cstr(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Protected: after a module ran (its definitions table on top), seals its chunk's environment
 * (the chunk is below it) and returns the definitions' function names in a new table. */
static int seal(lua_State *L)
{
    /* [chunk, defs] */
    lua_newtable(L); /* sealed env: empty, reads through defs */
    lua_createtable(L, 0, 3);
    lua_pushliteral(L, "the rule environment (rules may not assign globals at run time)");
    lua_pushcclosure(L, refuse_write, 1);
    lua_setfield(L, -2, "__newindex");
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    lua_pushvalue(L, 2);
    lua_setfield(L, -2, "__index");
    lua_setmetatable(L, -2);
    lua_setupvalue(L, 1, 1); /* the chunk's _ENV, shared by its functions */
    lua_newtable(L);         /* names */
    lua_Integer n = 0;
    lua_pushnil(L);
    while (lua_next(L, 2) != 0) {
        if (lua_type(L, -2) == LUA_TSTRING && lua_type(L, -1) == LUA_TFUNCTION) {
            lua_pushvalue(L, -2);
            lua_rawseti(L, -4, ++n);
        }
        lua_pop(L, 1);
    }
    return 1;
}

static int add_module(mc_rules *r, const char *name, const char *path, int env_ref, lua_State *L,
                      int names_idx)
{
    if (mc_grow(&r->modules, &r->modules_cap, r->nmodules + 1, sizeof *r->modules) != 0 ||
        mc_grow(&r->module_names, &r->names_cap, r->nmodules + 1, sizeof *r->module_names) != 0) {
        return MC_ENOMEM;
    }
    rule_module m = {0};
    m.env_ref = env_ref;
    m.name = mc_strndup(name, strlen(name));
    m.path = mc_strndup(path, strlen(path));
    size_t n = (size_t)lua_rawlen(L, names_idx);
    m.functions = mc_calloc(n ? n : 1, sizeof *m.functions);
    bool ok = m.name && m.path && m.functions;
    for (size_t i = 0; ok && i < n; i++) {
        lua_rawgeti(L, names_idx, (lua_Integer)i + 1);
        size_t len;
        const char *s = lua_tolstring(L, -1, &len);
        m.functions[i] = mc_strndup(s, len);
        lua_pop(L, 1);
        ok = m.functions[i] != NULL;
        m.nfunctions = i + 1;
    }
    if (!ok) {
        mc_free(m.name);
        mc_free(m.path);
        for (size_t i = 0; i < m.nfunctions; i++) {
            mc_free(m.functions[i]);
        }
        mc_free(m.functions);
        return MC_ENOMEM;
    }
    qsort(m.functions, m.nfunctions, sizeof *m.functions, cmp_cstr);
    r->modules[r->nmodules] = m;
    r->module_names[r->nmodules] = m.name;
    r->nmodules++;
    return 0;
}

/* Protected: creates a module's definitions table and makes it the chunk's _ENV. It reads the
 * read-only base through a metatable of its own, hidden from getmetatable and setmetatable, so
 * that a module cannot reach the base (or another module's environment) through it.
 * [chunk] -> [chunk, defs] */
static int prepare_env(lua_State *L)
{
    lua_newtable(L);
    lua_createtable(L, 0, 2);
    lua_getfield(L, LUA_REGISTRYINDEX, "motcua.base");
    lua_setfield(L, -2, "__index");
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    lua_setmetatable(L, -2);
    lua_pushvalue(L, -1);
    if (lua_setupvalue(L, 1, 1) == NULL) {
        lua_pop(L, 1);
    }
    return 1;
}

int mc_rules_load_buffer(mc_rules *r, const char *name, const char *path, const char *text,
                         size_t len, mc_diags *diags, mc_error *err)
{
    lua_State *L = r->L;
    int base = lua_gettop(L);
    int rc = 0;
    if (!valid_module_name(name)) {
        rc = diags == NULL
                 ? 0
                 : mc_diags_add_at(diags, MC_DIAG_ERROR, path, 0, 0,
                                   "invalid rule module name '%s' (lower-case letters, digits and "
                                   "'_', starting with a letter)",
                                   name);
        return rc ? mc_error_set(err, MC_ENOMEM, "out of memory") : MC_ECHECK;
    }
    if (find_module(r, name) != NULL) {
        rc = diags == NULL ? 0
                           : mc_diags_add_at(diags, MC_DIAG_ERROR, path, 0, 0,
                                             "rule module '%s' loaded twice (each catalogue layer "
                                             "names its rule modules differently)",
                                             name);
        return rc ? mc_error_set(err, MC_ENOMEM, "out of memory") : MC_ECHECK;
    }
    char chunkname[1024];
    snprintf(chunkname, sizeof chunkname, "@%s", path);
    int st = luaL_loadbufferx(L, text, len, chunkname, "t");
    if (st == LUA_ERRMEM) {
        rc = mc_error_set(err, MC_ENOMEM, "out of memory loading %s", path);
        goto done;
    }
    if (st != LUA_OK) {
        rc = report_lua_error(diags, path, text, len, lua_tostring(L, -1));
        rc = rc ? mc_error_set(err, MC_ENOMEM, "out of memory") : MC_ECHECK;
        goto done;
    }
    int chunk = lua_gettop(L);
    lua_pushcfunction(L, prepare_env);
    lua_pushvalue(L, chunk);
    if (lua_pcall(L, 1, 1, 0) != LUA_OK) {
        rc = mc_error_set(err, MC_ENOMEM, "out of memory loading %s", path);
        goto done;
    }
    int defs = lua_gettop(L);
    /* The module's first run is a rule run: budget and memory cap apply. */
    limits_on(r);
    lua_pushvalue(L, chunk);
    st = lua_pcall(L, 0, 0, SLOT_MSGH);
    bool limited = r->killed || r->mem_exceeded;
    limits_off(r);
    if (st != LUA_OK) {
        if (st == LUA_ERRMEM && !limited) {
            rc = mc_error_set(err, MC_ENOMEM, "out of memory running %s", path);
            goto done;
        }
        const char *msg = lua_tostring(L, -1);
        char buf[600];
        if (st == LUA_ERRMEM) {
            snprintf(buf, sizeof buf,
                     "%s:1: memory cap exceeded (%zu bytes) while the module "
                     "first runs",
                     path, r->opts.memory_cap);
            msg = buf;
        }
        rc = report_lua_error(diags, path, text, len, msg ? msg : "error");
        rc = rc ? mc_error_set(err, MC_ENOMEM, "out of memory") : MC_ECHECK;
        goto done;
    }
    lua_pushcfunction(L, seal);
    lua_pushvalue(L, chunk);
    lua_pushvalue(L, defs);
    if (lua_pcall(L, 2, 1, 0) != LUA_OK) {
        rc = mc_error_set(err, MC_ENOMEM, "out of memory loading %s", path);
        goto done;
    }
    int names = lua_gettop(L);
    lua_pushvalue(L, defs);
    int ref = luaL_ref(L, LUA_REGISTRYINDEX); /* cannot raise: the registry has room */
    if (ref == LUA_REFNIL || add_module(r, name, path, ref, L, names) != 0) {
        rc = mc_error_set(err, MC_ENOMEM, "out of memory loading %s", path);
    }
done:
    lua_settop(L, base);
    return rc;
}

int mc_rules_load_dir(mc_rules *r, const char *dir, mc_diags *diags, mc_error *err)
{
    mc_ptrvec paths = MC_PTRVEC_INIT;
    int rc = mc_dir_walk(&paths, dir, ".lua", MC_DIR_MISSING_OK, err);
    bool errors = false;
    for (size_t i = 0; i < paths.n && (rc == 0 || rc == MC_ECHECK); i++) {
        const char *path = paths.items[i];
        const char *slash = strrchr(path, '/');
        const char *file = slash ? slash + 1 : path;
        char *name = mc_strndup(file, strlen(file) - 4); /* the module: the name less ".lua" */
        if (name == NULL) {
            rc = mc_error_set(err, MC_ENOMEM, "out of memory");
            break;
        }
        mc_source *src;
        rc = mc_source_read(&src, path, err);
        if (rc == 0) {
            rc = mc_rules_load_buffer(r, name, path, mc_source_text(src), mc_source_len(src), diags,
                                      err);
            mc_source_free(src);
        }
        if (rc == MC_ECHECK) {
            errors = true;
            if (mc_grow(&r->failed, &r->failed_cap, r->nfailed + 1, sizeof *r->failed) != 0) {
                mc_free(name);
                rc = mc_error_set(err, MC_ENOMEM, "out of memory");
                break;
            }
            r->failed[r->nfailed++] = name;
            name = NULL;
        }
        mc_free(name);
    }
    for (size_t i = 0; i < paths.n; i++) {
        mc_free(paths.items[i]);
    }
    mc_ptrvec_free(&paths);
    return rc == 0 && errors ? MC_ECHECK : rc;
}

/* ==== names ============================================================================== */

bool mc_rules_failed(const mc_rules *r, const char *module)
{
    for (size_t i = 0; i < r->nfailed; i++) {
        if (strcmp(r->failed[i], module) == 0) {
            return true;
        }
    }
    return false;
}

bool mc_rules_has_module(const mc_rules *r, const char *module)
{
    return find_module(r, module) != NULL;
}

bool mc_rules_has(const mc_rules *r, const char *module, const char *function)
{
    const rule_module *m = find_module(r, module);
    return m != NULL &&
           bsearch(&function, m->functions, m->nfunctions, sizeof *m->functions, cmp_cstr) != NULL;
}

void mc_rules_trace(mc_rules *r, void (*fn)(void *ud, const char *file, int line), void *ud)
{
    r->trace = fn;
    r->trace_ud = ud;
    lua_sethook(r->L, count_hook, hook_mask(r), HOOK_PERIOD);
}

typedef struct lines_out {
    void (*fn)(void *ud, const char *file, int line);
    void *ud;
} lines_out;

/* Protected: gives the active lines of the Lua function at the top (and of the Lua functions
 * its upvalues hold), each function once (seen: a table at index 2). [f] -> [] */
static int lines_of(lua_State *L, const lines_out *o)
{
    if (lua_type(L, -1) != LUA_TFUNCTION || lua_iscfunction(L, -1)) {
        lua_pop(L, 1);
        return 0;
    }
    lua_pushvalue(L, -1);
    if (lua_rawget(L, 2) != LUA_TNIL) {
        lua_pop(L, 2);
        return 0;
    }
    lua_pop(L, 1);
    lua_pushvalue(L, -1);
    lua_pushboolean(L, 1);
    lua_rawset(L, 2);
    lua_Debug ar;
    lua_pushvalue(L, -1);
    lua_getinfo(L, ">SL", &ar); /* pops the copy, pushes the table of active lines */
    lua_pushnil(L);
    while (lua_next(L, -2) != 0) {
        /* Not the line of the closing `end` (its implicit return runs only when the function
         * falls off its end): a function that returns before it would never cover it. */
        int line = lua_isinteger(L, -2) ? (int)lua_tointeger(L, -2) : 0;
        if (line > 0 && (line != ar.lastlinedefined || ar.lastlinedefined == ar.linedefined)) {
            o->fn(o->ud, ar.short_src, line);
        }
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    for (int i = 1; lua_getupvalue(L, -1, i) != NULL; i++) {
        lines_of(L, o); /* pops the upvalue */
    }
    lua_pop(L, 1);
    return 0;
}

/* [env_ref, lines_out] -> []: every function of the module's definitions table. */
static int module_lines(lua_State *L)
{
    const lines_out *o = lua_touserdata(L, 2);
    lua_rawgeti(L, LUA_REGISTRYINDEX, (lua_Integer)lua_tointeger(L, 1));
    lua_newtable(L); /* seen */
    lua_replace(L, 2);
    lua_replace(L, 1); /* [defs, seen] */
    lua_pushnil(L);
    while (lua_next(L, 1) != 0) {
        lines_of(L, o); /* pops the value */
    }
    return 0;
}

int mc_rules_lines(mc_rules *r, const char *module,
                   void (*fn)(void *ud, const char *file, int line), void *ud, mc_error *err)
{
    const rule_module *m = find_module(r, module);
    if (m == NULL) {
        return mc_error_set(err, MC_ENOTFOUND, "no rule module %s", module);
    }
    lines_out o = {fn, ud};
    lua_State *L = r->L;
    int base = lua_gettop(L);
    lua_pushcfunction(L, module_lines);
    lua_pushinteger(L, m->env_ref);
    lua_pushlightuserdata(L, &o);
    int st = lua_pcall(L, 2, 0, 0);
    lua_settop(L, base);
    return st == LUA_OK ? 0 : mc_error_set(err, MC_ENOMEM, "out of memory");
}

const char *const *mc_rules_modules(const mc_rules *r, size_t *n)
{
    *n = r->nmodules;
    return (const char *const *)r->module_names;
}

const char *const *mc_rules_functions(const mc_rules *r, const char *module, size_t *n)
{
    const rule_module *m = find_module(r, module);
    *n = m ? m->nfunctions : 0;
    return m ? (const char *const *)m->functions : NULL;
}

static bool names_failed(const void *ud, const char *module)
{
    return mc_rules_failed(ud, module);
}

static bool names_has_module(const void *ud, const char *module)
{
    return mc_rules_has_module(ud, module);
}

static bool names_has(const void *ud, const char *module, const char *function)
{
    return mc_rules_has(ud, module, function);
}

static const char *const *names_modules(const void *ud, size_t *n)
{
    return mc_rules_modules(ud, n);
}

static const char *const *names_functions(const void *ud, const char *module, size_t *n)
{
    return mc_rules_functions(ud, module, n);
}

void mc_rules_names(const mc_rules *r, mc_rule_names *names)
{
    names->ud = r;
    names->failed = names_failed;
    names->has_module = names_has_module;
    names->has = names_has;
    names->modules = names_modules;
    names->functions = names_functions;
}

/* ==== calls ============================================================================== */

/* Protected: [defs-ref, name (light userdata)] -> the function's registry ref (LUA_NOREF
 * when absent) and its definition line. */
static int resolve_fn(lua_State *L)
{
    const char *name = lua_touserdata(L, 2);
    lua_rawgeti(L, LUA_REGISTRYINDEX, lua_tointeger(L, 1));
    lua_getfield(L, -1, name);
    if (lua_type(L, -1) != LUA_TFUNCTION) {
        lua_pushinteger(L, LUA_NOREF);
        lua_pushinteger(L, 0);
        return 2;
    }
    lua_Debug ar;
    lua_pushvalue(L, -1);
    lua_getinfo(L, ">S", &ar);
    lua_pushinteger(L, luaL_ref(L, LUA_REGISTRYINDEX));
    lua_pushinteger(L, ar.linedefined);
    return 2;
}

static void rule_free(mc_rule *rule)
{
    if (rule != NULL) {
        mc_free(rule->key);
        mc_free(rule->where);
        mc_free(rule);
    }
}

int mc_rules_resolve(mc_rules *r, const char *module, const char *function, const mc_rule **out,
                     mc_error *err)
{
    *out = NULL;
    uint64_t x = ((uint64_t)(uintptr_t)module ^ ((uint64_t)(uintptr_t)function << 7)) *
                 UINT64_C(0x9e3779b97f4a7c15);
    size_t h = (size_t)(x >> 58); /* one of the 64 slots of recent */
    const mc_rule *seen = r->recent[h];
    if (seen != NULL && strcmp(seen->function, function) == 0 &&
        strcmp(seen->module, module) == 0) {
        *out = seen;
        return 0;
    }
    char key[300];
    int kl = snprintf(key, sizeof key, "%s.%s", module, function);
    if (kl < 0 || (size_t)kl >= sizeof key) {
        return mc_error_set(err, MC_ENOTFOUND, "no rule %s.%s", module, function);
    }
    mc_rule *found = mc_map_get(&r->resolved, key, (size_t)kl);
    if (found != NULL) {
        *out = r->recent[h] = found;
        return 0;
    }
    const rule_module *m = find_module(r, module);
    if (m == NULL || !mc_rules_has(r, module, function)) {
        return mc_error_set(err, MC_ENOTFOUND, "no rule %s.%s", module, function);
    }
    if (mc_grow(&r->rules, &r->caprules, r->nrules + 1, sizeof *r->rules) != 0) {
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    mc_rule *rule = mc_calloc(1, sizeof *rule);
    if (rule == NULL || (rule->key = mc_strndup(key, (size_t)kl)) == NULL) {
        rule_free(rule);
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    lua_State *L = r->L;
    int base = lua_gettop(L);
    lua_pushcfunction(L, resolve_fn);
    lua_pushinteger(L, m->env_ref);
    lua_pushlightuserdata(L, (void *)function);
    int st = lua_pcall(L, 2, 2, 0);
    rule->ref = st == LUA_OK ? (int)lua_tointeger(L, -2) : LUA_NOREF;
    int line = st == LUA_OK ? (int)lua_tointeger(L, -1) : 0;
    lua_settop(L, base);
    char where[1100];
    snprintf(where, sizeof where, "%s:%d", m->path, line);
    rule->where = mc_strndup(where, strlen(where));
    rule->module = rule->key;
    rule->key[strlen(module)] = '\0'; /* key holds "module\0function" from here on */
    rule->function = rule->key + strlen(module) + 1;
    char *mapkey = mc_strndup(key, (size_t)kl);
    if (st != LUA_OK || rule->ref == LUA_NOREF || rule->where == NULL || mapkey == NULL ||
        mc_map_put(&r->resolved, mapkey, (size_t)kl, rule) != 0) {
        if (st == LUA_OK && rule->ref != LUA_NOREF) {
            luaL_unref(L, LUA_REGISTRYINDEX, rule->ref);
        }
        mc_free(mapkey);
        rule_free(rule);
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    r->rules[r->nrules++] = rule;
    *out = r->recent[h] = rule;
    return 0;
}

/* Errors passed up through coroutine.wrap get their location twice ("f.lua:3: f.lua:3: x"):
 * keep one. */
static void collapse_location(char *msg)
{
    const char *colon = strstr(msg, ": ");
    if (colon == NULL) {
        return;
    }
    size_t n = (size_t)(colon - msg) + 2;
    if (strncmp(msg + n, msg, n) == 0) {
        memmove(msg, msg + n, strlen(msg + n) + 1);
    }
}

/* Runs rule with d bound to view; on success leaves nres results on the stack above base. */
static int call(mc_rules *r, const mc_rule *rule, const mc_rule_view *view, int nres, mc_error *err)
{
    lua_State *L = r->L;
    r->view = view;
    for (int k = 0; k < VIEW_KINDS; k++) {
        r->iter_at[k] = SIZE_MAX;
    }
    limits_on(r);
    lua_rawgeti(L, LUA_REGISTRYINDEX, rule->ref);
    lua_pushvalue(L, SLOT_D);
    int st = lua_pcall(L, 1, nres, SLOT_MSGH);
    bool killed = r->killed, capped = r->mem_exceeded, timed_out = r->timed_out;
    limits_off(r);
    if (st == LUA_OK && !killed) {
        return 0;
    }
    int code = killed || capped ? MC_ELIMIT : MC_ERULE;
    char msg[400];
    /* What is counted is the rule's doing: an interrupt (the server stopping) and the
     * process's own lack of memory are not. */
    atomic_uint_fast64_t *count = &r->n_errors;
    if (capped) {
        count = &r->n_memory;
    } else if (killed && timed_out) {
        count = atomic_load(&r->interrupted) ? NULL : &r->n_time;
    } else if (killed) {
        count = &r->n_steps;
    }
    if (st == LUA_ERRMEM && !capped) {
        code = MC_ENOMEM;
        snprintf(msg, sizeof msg, "out of memory");
    } else if (st == LUA_ERRMEM) {
        snprintf(msg, sizeof msg, "%s: memory cap exceeded (%zu bytes)", rule->where,
                 r->opts.memory_cap);
    } else if (st == LUA_OK && timed_out && atomic_load(&r->interrupted)) {
        snprintf(msg, sizeof msg, "%s: interrupted", rule->where);
    } else if (st == LUA_OK && timed_out) {
        snprintf(msg, sizeof msg, "%s: time limit exceeded (%u ms)", rule->where,
                 (unsigned)r->opts.time_ms);
    } else if (st == LUA_OK) {
        snprintf(msg, sizeof msg, "%s: instruction budget exceeded (%llu steps)", rule->where,
                 (unsigned long long)r->opts.steps);
    } else {
        const char *m = lua_tostring(L, -1);
        snprintf(msg, sizeof msg, "%s", m ? m : "error");
        collapse_location(msg);
    }
    if (count != NULL && code != MC_ENOMEM) {
        atomic_fetch_add_explicit(count, 1, memory_order_relaxed);
    }
    lua_settop(L, SLOT_D);
    mc_error_set(err, code, "rule %s.%s: %s", rule->module, rule->function, msg);
    if (err != NULL) {
        err->file = rule->where;
    }
    return code;
}

int mc_rules_cond(mc_rules *r, const mc_rule *rule, const mc_rule_view *d, bool *result,
                  char *reason, size_t reasonsz, mc_error *err)
{
    if (reasonsz > 0) {
        reason[0] = '\0';
    }
    int rc = call(r, rule, d, 2, err);
    if (rc != 0) {
        return rc;
    }
    lua_State *L = r->L;
    int t = lua_type(L, -2);
    if (t != LUA_TBOOLEAN && t != LUA_TNIL) {
        mc_error_set(err, MC_ERULE,
                     "rule %s.%s: %s: returned a %s; a condition returns true or false",
                     rule->module, rule->function, rule->where, lua_typename(L, t));
        atomic_fetch_add_explicit(&r->n_errors, 1, memory_order_relaxed);
        lua_settop(L, SLOT_D);
        return MC_ERULE;
    }
    *result = lua_toboolean(L, -2);
    if (!*result && lua_type(L, -1) == LUA_TSTRING && reasonsz > 0) {
        snprintf(reason, reasonsz, "%s", lua_tostring(L, -1));
    }
    lua_settop(L, SLOT_D);
    return 0;
}

static const lua_Integer MAX_FEE = 1000000000000000;

int mc_rules_fee(mc_rules *r, const mc_rule *rule, const mc_rule_view *d, int64_t *amount,
                 mc_error *err)
{
    int rc = call(r, rule, d, 1, err);
    if (rc != 0) {
        return rc;
    }
    lua_State *L = r->L;
    int isint = 0;
    lua_Integer v = lua_tointegerx(L, -1, &isint);
    if (lua_type(L, -1) != LUA_TNUMBER || !isint || v < 0 || v > MAX_FEE) {
        const char *what = lua_type(L, -1) == LUA_TNUMBER ? "a number that is not a whole "
                                                            "amount of 0 or more"
                                                          : luaL_typename(L, -1);
        mc_error_set(err, MC_ERULE,
                     "rule %s.%s: %s: returned %s%s; a fee rule returns a whole "
                     "amount",
                     rule->module, rule->function, rule->where,
                     lua_type(L, -1) == LUA_TNUMBER || lua_isnil(L, -1) ? "" : "a ", what);
        atomic_fetch_add_explicit(&r->n_errors, 1, memory_order_relaxed);
        lua_settop(L, SLOT_D);
        return MC_ERULE;
    }
    *amount = (int64_t)v;
    lua_settop(L, SLOT_D);
    return 0;
}
