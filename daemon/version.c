/* SPDX-License-Identifier: EUPL-1.2 */
/* The version batond reports, from the build. */
#include "daemon.h"

const char *
daemon_version(void)
{
    return BATON_VERSION;
}
