/* SPDX-License-Identifier: EUPL-1.2 */
/* keys_init: the cryptography starts, and starts again without harm. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "keys.h"

static void
init_succeeds_twice(void **state)
{
    struct keys_err err = {0};

    (void)state;
    /* baton needs AES-NI; on a CPU without it this fails with KEYS_ENOAES, as it should. */
    assert_int_equal(keys_init(&err), KEYS_OK);
    assert_int_equal(keys_init(&err), KEYS_OK);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(init_succeeds_twice),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
