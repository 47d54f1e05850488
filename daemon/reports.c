/* SPDX-License-Identifier: EUPL-1.2 */
/* The privacy officer's reports: access report, processing register, steering figures, anomalies.
 */
#include "audit.h"

int
core_reports_admin(struct daemon *d, const struct http_request *req, struct http_reply *reply)
{
    (void)d;
    (void)req;
    (void)reply;
    return 0; /* PLACEHOLDER: replaced by its owner */
}
