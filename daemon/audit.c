/* SPDX-License-Identifier: EUPL-1.2 */
/* The audit chain's checkpoints and verification, and the audit listing with filters. */
#include "audit.h"

int
core_audit_admin(struct daemon *d, const struct http_request *req, struct http_reply *reply)
{
    (void)d;
    (void)req;
    (void)reply;
    return 0; /* PLACEHOLDER: replaced by its owner */
}
