/* SPDX-License-Identifier: EUPL-1.2 */
/* Retention: erasing form content whose covenant retention period ended, by destroying its key. */
#include "audit.h"

int
core_retention_admin(struct daemon *d, const struct http_request *req, struct http_reply *reply)
{
    (void)d;
    (void)req;
    (void)reply;
    return 0; /* PLACEHOLDER: replaced by its owner */
}
