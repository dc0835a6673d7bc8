/*
 * The two commands of the motcua program that serve (serve.c) answers: `motcua serve`, the HTTP
 * API and console on a socket, and `motcua hash-token`, a token's line for the tokens file.
 * main.c starts them from its table of commands, as it starts cli's.
 */
#ifndef MOTCUA_SERVE_H
#define MOTCUA_SERVE_H

#include "front/front.h"

/* Runs the server of o (--listen, --db, --tokens, the catalogue's options) until SIGINT or
 * SIGTERM; returns the exit status (EXIT_USAGE after a message for bad options). */
int cmd_serve(front_opts *o);
/* Prints the hash of the one token of o's arguments; returns the exit status. */
int cmd_hash_token(front_opts *o);

#endif
