/* migrate --db STORE [--to-backup FILE] (issue 19): a store of an older schema is migrated only
 * when asked: backed up, migrated in one transaction, verified (front/migrate.h, shared with
 * serve --migrate). */
#include "cli.h"

#include "front/migrate.h"

int cmd_migrate(front_opts *c)
{
    if (c->nargs > 0) {
        return front_usage_error("migrate takes --db STORE [--to-backup FILE]");
    }
    return front_migrate(c->db ? c->db : "motcua.db", c->to_backup, "migrate");
}
