/*
 * The state machine of a procedure version as a Graphviz DOT digraph (SPEC §10 `graph`).
 */
#ifndef MOTCUA_GRAPH_H
#define MOTCUA_GRAPH_H

#include "motcua/catalogue.h"

/* Writes the DOT text of p's machine into *out (NUL-terminated, free with mc_free). States are
 * rounded boxes; the initial state has an arrow from a point; final states have a double
 * border and their outcome; edges read "event\nby role, role" with their condition,
 * restart-clock and chance; timers are dashed. Returns 0 or MC_ENOMEM. */
int mc_graph_dot(char **out, const mc_procedure *p, mc_error *err);

#endif
