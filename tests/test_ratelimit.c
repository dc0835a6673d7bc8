/* The public tracking's limit per client address (src/serve/ratelimit.h): 10 requests in a
 * window, the 11th refused with the seconds left; a new window after it; each address its own
 * count; a full bucket gives up the slot whose window began first; the table never grows. */
#include "testutil.h"

#include "serve/ratelimit.h"

#include <stdlib.h>

static int setup(void **state)
{
    ratelimit *rl = malloc(sizeof *rl);
    assert_non_null(rl);
    ratelimit_init(rl, 10, 60);
    *state = rl;
    return 0;
}

static int teardown(void **state)
{
    ratelimit_free(*state);
    free(*state);
    return 0;
}

static void test_ratelimit__ten_a_minute_then_refused(void **state)
{
    ratelimit *rl = *state;
    int retry = -1;
    for (int i = 0; i < 10; i++) {
        assert_true(ratelimit_take(rl, "192.0.2.1", 1000 + i, &retry));
        assert_int_equal(retry, 0);
    }
    assert_false(ratelimit_take(rl, "192.0.2.1", 1015, &retry));
    assert_int_equal(retry, 45); /* the window began at 1000 */
    assert_false(ratelimit_take(rl, "192.0.2.1", 1059, &retry));
    assert_int_equal(retry, 1);
    /* another address has its own count */
    assert_true(ratelimit_take(rl, "2001:db8::1", 1059, &retry));
    /* the next window */
    assert_true(ratelimit_take(rl, "192.0.2.1", 1060, &retry));
    assert_int_equal(retry, 0);
}

static void test_ratelimit__unknown_addresses_share_one_count(void **state)
{
    ratelimit *rl = *state;
    int retry;
    for (int i = 0; i < 5; i++) {
        assert_true(ratelimit_take(rl, NULL, 10, &retry));
        assert_true(ratelimit_take(rl, "", 10, &retry));
    }
    assert_false(ratelimit_take(rl, "unknown", 10, &retry));
}

/* Many more addresses than the table holds: every one is counted (none refused on its first
 * request), the table stays its size, and an address pushed out starts again. */
static void test_ratelimit__bounded_table(void **state)
{
    ratelimit *rl = *state;
    int retry;
    char addr[64];
    for (int i = 0; i < 20000; i++) {
        snprintf(addr, sizeof addr, "10.%d.%d.%d", i >> 16, (i >> 8) & 255, i & 255);
        assert_true(ratelimit_take(rl, addr, 100, &retry));
    }
    size_t used = 0;
    for (size_t b = 0; b < RATELIMIT_BUCKETS; b++) {
        for (size_t w = 0; w < RATELIMIT_WAYS; w++) {
            used += rl->slots[b][w].addr[0] != '\0';
        }
    }
    assert_int_equal(used, RATELIMIT_BUCKETS * RATELIMIT_WAYS);
    /* An address that spent its 10 keeps its count while it stays in the table. */
    for (int i = 0; i < 10; i++) {
        assert_true(ratelimit_take(rl, "198.51.100.7", 200, &retry));
    }
    assert_false(ratelimit_take(rl, "198.51.100.7", 201, &retry));
    assert_int_equal(retry, 59);
}

/* A full bucket gives up its oldest window, not the address just counted. */
static void test_ratelimit__a_full_bucket_gives_up_its_oldest_window(void **state)
{
    ratelimit *rl = *state;
    int retry;
    /* Fill every slot of every bucket, the windows beginning at 100 (older) and 150. */
    char addr[64];
    for (int i = 0; i < 20000; i++) {
        snprintf(addr, sizeof addr, "10.0.%d.%d", i >> 8, i & 255);
        assert_true(ratelimit_take(rl, addr, i < 10000 ? 100 : 150, &retry));
    }
    for (int i = 0; i < 10; i++) {
        assert_true(ratelimit_take(rl, "203.0.113.5", 155, &retry));
    }
    /* Its slot was one whose window began at 100 or a new one: it is still there, limited. */
    assert_false(ratelimit_take(rl, "203.0.113.5", 156, &retry));
    assert_int_equal(retry, 59);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_ratelimit__ten_a_minute_then_refused),
        T(test_ratelimit__unknown_addresses_share_one_count),
        T(test_ratelimit__bounded_table),
        T(test_ratelimit__a_full_bucket_gives_up_its_oldest_window),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
