/*
 * libFuzzer target for the .proc front end: the input is one catalogue file, run through the
 * lexer, the parser, the catalogue builder and its checks, and, when it loads, the DOT output
 * of every procedure. Build with `make fuzz`; run with
 *   build-fuzz/fuzz_parser -max_len=65536 tools/fuzz-corpus procedures/...
 */
#include "motcua/catalogue.h"
#include "motcua/graph.h"
#include "motcua/alloc.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mc_diags *diags;
    if (mc_diags_new(&diags) != 0) {
        return 0;
    }
    const char *names[] = {"fuzz.proc"};
    const char *texts[] = {(const char *)data};
    size_t lens[] = {size};
    mc_catalogue *cat = NULL;
    if (mc_catalogue_load_buffers(&cat, names, texts, lens, 1, diags, NULL) == 0) {
        size_t n;
        const mc_procedure *const *procs = mc_catalogue_procedures(cat, &n);
        for (size_t i = 0; i < n; i++) {
            char *dot;
            if (mc_graph_dot(&dot, procs[i], NULL) == 0) {
                mc_free(dot);
            }
        }
    }
    for (size_t i = 0; i < mc_diags_count(diags); i++) {
        const mc_diag *d = mc_diags_get(diags, i);
        (void)d->msg[0];
    }
    mc_catalogue_free(cat);
    mc_diags_free(diags);
    return 0;
}
