/* A growable array of pointers (mc_ptrvec), backed by mc_realloc: the catalogue keeps its
 * declarations in them, the builder its work lists. */
#include "ptrvec.h"

#include "grow.h"

#include "motcua/alloc.h"
#include "motcua/error.h"

int mc_ptrvec_push(mc_ptrvec *v, void *p)
{
    if (mc_grow(&v->items, &v->cap, v->n + 1, sizeof *v->items) != 0) {
        return MC_ENOMEM;
    }
    v->items[v->n++] = p;
    return 0;
}

void mc_ptrvec_free(mc_ptrvec *v)
{
    mc_free(v->items);
    v->items = NULL;
    v->n = v->cap = 0;
}
