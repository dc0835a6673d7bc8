/*
 * Import of a resolution's annex of replaced documents (mc_annex_import, annex.h): the driver
 * of the three steps — the annex read by the one CSV reader and checked (annex_normalise.c),
 * its rows normalised into the model (annex_normalise.c), the catalogue files rendered
 * (annex_write.c). The highest of the importer's files: none of the steps calls back here.
 */
#include "annex_int.h"

int mc_annex_import(mc_annex *a, const char *file, const char *text, size_t len, mc_diags *d,
                    mc_error *err)
{
    if (a->imported) {
        return mc_error_set(err, MC_EUSAGE, "an mc_annex imports one annex");
    }
    a->imported = true;
    size_t errors = mc_diags_errors(d);
    mc_csv csv = MC_CSV_INIT;
    int rc = mc_csv_parse(&csv, file, text, len, d);
    if (rc == 0) {
        rc = annex_check(file, &csv, d);
    }
    if (rc == 0 && mc_diags_errors(d) != errors) {
        rc = mc_error_set(err, MC_ECHECK, "%s is malformed", file);
    }
    if (rc == 0) {
        rc = annex_normalise(a, file, &csv, d);
    }
    if (rc == 0) {
        rc = annex_render(a);
    }
    if (rc == MC_ENOMEM) {
        mc_error_set(err, rc, "out of memory");
    }
    mc_csv_free(&csv);
    return rc;
}
