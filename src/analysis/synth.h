/*
 * Synthetic applicants for the simulation (SPEC §8.2): a seeded random stream, field values
 * drawn from each field's `sample`, and text that matches a field's pattern. Everything is a
 * function of the seed and of names, never of the order things are asked in, so that a
 * baseline and a reform draw the same applicants.
 */
#ifndef MOTCUA_SYNTH_H
#define MOTCUA_SYNTH_H

#include "motcua/catalogue.h"

#include <stddef.h>
#include <stdint.h>

/* A 64-bit hash of a string, for deriving streams from names. */
uint64_t mc_synth_hash(const char *s, uint64_t h);
/* A well-mixed 64-bit function of its input (splitmix64's finaliser). */
uint64_t mc_synth_mix(uint64_t x);
/* A uniform number in [0, 1) from a 64-bit value. */
double mc_synth_unit(uint64_t x);

/* The next number of a splitmix64 stream. */
uint64_t mc_synth_next(uint64_t *state);

/* What a field's value was drawn from. */
typedef enum {
    MC_SYNTH_SAMPLED, /* its `sample` */
    MC_SYNTH_NEUTRAL, /* a required field without `sample`: a neutral value */
    MC_SYNTH_NONE,    /* an optional field without `sample`: left empty */
} mc_synth_kind;

/* Draws the value of field f for the applicant of stream key (a function of the seed, the
 * procedure and the dossier's number) into out; the value of a date field is day. subject:
 * the field is the procedure's subject (always given, unique to key). Returns how it was drawn;
 * out is "" for MC_SYNTH_NONE. */
mc_synth_kind mc_synth_field(const mc_field *f, bool subject, uint64_t key, mc_date day, char *out,
                             size_t outsz);

/* Writes into out a string that the regular expression source is meant to match, with random
 * choices from *rng: literals, escapes (\d \w \s and escaped characters), classes, `.`,
 * groups, alternation and quantifiers. Returns 0, or -1 when the pattern uses something else
 * (the caller checks the result against the compiled pattern anyway). A pattern of classes and
 * literals with plain counts is read on its first use in a thread and kept (eight per thread);
 * the draws are the same. */
int mc_synth_matching(const char *source, uint64_t *rng, char *out, size_t outsz);

#endif
