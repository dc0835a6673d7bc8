/* Graphviz output of a procedure's machine (graph.h). */
#include "motcua/graph.h"

#include "motcua/alloc.h"
#include "base/buf.h"

#include <string.h>

/* Appends s as the inside of a DOT double-quoted string. */
static void quoted(mc_buf *b, const char *s)
{
    for (; *s != '\0'; s++) {
        if (*s == '"' || *s == '\\') {
            mc_buf_append(b, "\\", 1);
        }
        if (*s == '\n') {
            mc_buf_puts(b, "\\n");
            continue;
        }
        mc_buf_append(b, s, 1);
    }
}

static void cond_text(mc_buf *b, const mc_cond *c)
{
    switch (c->kind) {
    case MC_COND_ALWAYS:
        return;
    case MC_COND_FIELD:
        mc_buf_printf(b, "\\n[when %s]", c->field);
        return;
    case MC_COND_NOT:
        mc_buf_printf(b, "\\n[when not %s]", c->field);
        return;
    case MC_COND_IS:
        mc_buf_printf(b, "\\n[when %s is ", c->field);
        quoted(b, c->value);
        mc_buf_puts(b, "]");
        return;
    case MC_COND_RULE:
        mc_buf_printf(b, "\\n[when rule %s.%s]", c->rule.module, c->rule.function);
        return;
    case MC_COND_DOCUMENTS_COMPLETE:
        mc_buf_puts(b, "\\n[when documents complete]");
        return;
    }
}

static void duration_text(mc_buf *b, const mc_duration *d)
{
    char num[32];
    mc_fixed_format(d->amount, num);
    mc_buf_printf(b, "%s%s", num, mc_dur_unit_name(d->unit));
}

static void edge_start(mc_buf *b, const mc_state *from, const mc_state *to)
{
    mc_buf_puts(b, "    \"");
    quoted(b, from->name);
    mc_buf_puts(b, "\" -> \"");
    quoted(b, to->name);
    mc_buf_puts(b, "\" ");
}

/* Ends an edge's label with its chance, when it has one. */
static void edge_end(mc_buf *b, bool has_chance, mc_fixed chance)
{
    if (has_chance) {
        char pct[32];
        mc_fixed_format(chance, pct);
        mc_buf_printf(b, "\\n%s%%", pct);
    }
    mc_buf_puts(b, "\"];\n");
}

int mc_graph_dot(char **out, const mc_procedure *p, mc_error *err)
{
    mc_buf b = MC_BUF_INIT;
    const mc_machine *m = &p->machine;
    mc_buf_puts(&b, "digraph \"");
    quoted(&b, p->name);
    mc_buf_puts(&b, "\" {\n    rankdir=LR;\n    node [shape=box, style=rounded, "
                    "fontname=\"Helvetica\"];\n    edge [fontname=\"Helvetica\", fontsize=10];\n");
    if (m->initial < m->nstates) {
        mc_buf_puts(&b, "    __start [shape=point, width=0.15];\n    __start -> \"");
        quoted(&b, m->states[m->initial]->name);
        mc_buf_puts(&b, "\";\n");
    }
    for (size_t i = 0; i < m->nstates; i++) {
        const mc_state *s = m->states[i];
        mc_buf_puts(&b, "    \"");
        quoted(&b, s->name);
        mc_buf_puts(&b, "\"");
        if (s->final) {
            mc_buf_puts(&b, " [peripheries=2, label=\"");
            quoted(&b, s->name);
            if (s->outcome != MC_OUTCOME_NONE) {
                mc_buf_printf(&b, "\\n(%s)", mc_outcome_name(s->outcome));
            }
            mc_buf_puts(&b, "\"]");
        } else if (s->clock == MC_CLOCK_PAUSED) {
            mc_buf_puts(&b, " [style=\"rounded,dashed\"]");
        }
        mc_buf_puts(&b, ";\n");
    }
    for (size_t i = 0; i < m->nstates; i++) {
        const mc_state *s = m->states[i];
        for (size_t k = 0; k < s->non; k++) {
            const mc_transition *t = &s->on[k];
            if (t->target >= m->nstates) {
                continue;
            }
            edge_start(&b, s, m->states[t->target]);
            mc_buf_printf(&b, "[label=\"%s\\nby ", t->event);
            for (size_t r = 0; r < t->nroles; r++) {
                mc_buf_printf(&b, "%s%s", r ? ", " : "", t->roles[r]->name);
            }
            cond_text(&b, &t->when);
            if (t->restart_clock) {
                mc_buf_puts(&b, "\\n(restart clock)");
            }
            edge_end(&b, t->has_chance, t->chance);
        }
        for (size_t k = 0; k < s->nafter; k++) {
            const mc_timer *t = &s->after[k];
            if (t->target >= m->nstates) {
                continue;
            }
            edge_start(&b, s, m->states[t->target]);
            mc_buf_puts(&b, "[style=dashed, label=\"after ");
            duration_text(&b, &t->after);
            edge_end(&b, t->has_chance, t->chance);
        }
    }
    mc_buf_puts(&b, "}\n");
    *out = mc_buf_take(&b);
    return *out ? 0 : mc_error_set(err, MC_ENOMEM, "out of memory");
}
