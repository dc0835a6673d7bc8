/*
 * Lua 5.4's pattern matching (string.find, match, gmatch and gsub) for the rules sandbox, with
 * a bounded running time: the matcher counts its steps as it backtracks (and the bytes it
 * compares in plain searches, balance scans, bracket classes and replacement strings) and
 * calls the sandbox's tick every few thousand steps, so that a call over its deadline stops
 * inside the match instead of running for minutes. Semantics and error messages are Lua
 * 5.4's lstrlib.
 */
#ifndef MOTCUA_LUAPATTERN_H
#define MOTCUA_LUAPATTERN_H

#include <lua.h>

/* What the matcher calls while it works. tick raises a Lua error (it does not return) when the
 * running call must stop; otherwise it returns and matching goes on. */
typedef struct mc_luapattern_limits {
    void (*tick)(lua_State *L);
} mc_luapattern_limits;

/* Sets find, match, gmatch and gsub in the table at the top of L's stack (a string library),
 * replacing Lua's own. limits is borrowed and must outlive the state. Raises on out of
 * memory (call it inside a protected call). */
void mc_luapattern_register(lua_State *L, const mc_luapattern_limits *limits);

#endif
