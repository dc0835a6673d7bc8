/*
 * Signed checkpoints of the store (after Certificate Transparency's signed tree heads): the
 * head of every chain of a store (events, registry records, request ids, reads of personal
 * data), their digest, the time, signed with the agency's Ed25519 key (libsodium). Published or
 * handed to an auditor, a checkpoint lets anyone holding the public key prove later that the
 * store still extends it: a truncated chain, an event rewritten in place, or a whole chain
 * recomputed after an edit no longer leads to the heads the checkpoint signed.
 *
 * The text format (one item a line, UTF-8, LF):
 *
 *     motcua checkpoint v1
 *     time 2026-12-06T11:40:00Z
 *     key <public key, 64 hex digits>
 *     chain <name> <count> <hash of the chain's last entry, 64 hex digits>   (sorted by name)
 *     head <mc_store_head_digest of the chains, 64 hex digits>
 *     signature <Ed25519 signature of every byte above this line, 128 hex digits>
 *
 * Key files hold one line: "motcua-ed25519-secret <128 hex digits>" (libsodium's 64-byte secret
 * key) or "motcua-ed25519-public <64 hex digits>".
 */
#ifndef MOTCUA_CHECKPOINT_H
#define MOTCUA_CHECKPOINT_H

#include "motcua/error.h"
#include "motcua/store.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { MC_PUBLIC_KEY_BYTES = 32, MC_SECRET_KEY_BYTES = 64 };

/* Makes a new key pair and writes the text of each key file into pub_text and sec_text
 * (mc_malloc'd, the caller frees). */
int mc_checkpoint_keygen(char **pub_text, char **sec_text, mc_error *err);

/* Reads the text of a key file into key (MC_PUBLIC_KEY_BYTES or MC_SECRET_KEY_BYTES, by
 * secret). MC_ESYNTAX when it is not a motcua key of that kind. */
int mc_checkpoint_read_key(const char *text, bool secret, unsigned char *key, mc_error *err);

/* Signs the heads of st's chains as they stand at now (UTC seconds) with secret key sk; the
 * checkpoint's text into *out (mc_malloc'd). */
int mc_checkpoint_make(mc_store *st, const unsigned char sk[MC_SECRET_KEY_BYTES], int64_t now,
                       char **out, mc_error *err);

/* Proves that st extends the checkpoint text signed with public key pk: reports through
 * finding each chain the store no longer extends (one sentence each; finding returning
 * non-zero stops). Returns 0 when the proof ran (findings say how it went; *nfindings gets
 * their count), MC_ESYNTAX when the text is not a checkpoint, MC_ECHECK when its signature
 * does not verify with pk (a wrong key, or an altered checkpoint), or a store error. time (when
 * not NULL, room for 32 bytes) gets the checkpoint's time as written. */
int mc_checkpoint_verify(mc_store *st, const char *text,
                         const unsigned char pk[MC_PUBLIC_KEY_BYTES],
                         int (*finding)(void *ud, const char *msg), void *ud, int64_t *nfindings,
                         char *time, mc_error *err);

#endif
