/* SPDX-License-Identifier: EUPL-1.2 */
/* batond's entry point. The daemon is not built yet: it says so and exits non-zero, so that no
 * script mistakes it for a running peer. */
#include <stdio.h>

#include "daemon.h"

int
main(void)
{
    fprintf(stderr,
            "batond %s: the daemon is not ready yet; use 'baton validate' to check forms.\n",
            daemon_version());
    return 69; /* EX_UNAVAILABLE */
}
