/*
 * `motcua simulate --calibrate-from STORE [--out DIR|FILE.proc]` (issue 23; calibrate.h): the
 * simulation figures of the catalogue's procedures estimated from the store's history and
 * written as a catalogue layer, in place of a simulation.
 */
#ifndef MOTCUA_CLI_CALIBRATE_OUT_H
#define MOTCUA_CLI_CALIBRATE_OUT_H

#include "cli.h"

/* Runs the calibration of c (c->calibrate_from set): loads the catalogue, reads the store,
 * writes the layer (DIR/procedures/calibrated.proc, or FILE.proc; default folder "calibrated")
 * whole or not at all, and prints a summary. Returns the exit status: EXIT_USAGE after a
 * message for an option that only a simulation takes; 1 for a store with nothing to
 * calibrate; 3 for a store or a file that cannot be read or written; each a one-line error. */
int cli_calibrate(front_opts *c);

#endif
