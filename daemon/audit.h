/* SPDX-License-Identifier: EUPL-1.2 */
/* The privacy officer's side of batond: the audit chain's checkpoints and verification, reports,
 * retention, and the admin endpoints for them. Internal to daemon/. */
#ifndef BATON_DAEMON_AUDIT_H
#define BATON_DAEMON_AUDIT_H

#include "core.h"
#include "http.h"

/* ---- audit.c: the chain's checkpoints, verification, listing with filters ---- */

/* Answers the admin API's /v1/audit requests; 0 when the request is not one of them. */
int core_audit_admin(struct daemon *d, const struct http_request *req, struct http_reply *reply);

/* ---- reports.c: access report, processing register, figures, anomalies ---- */

/* Answers the admin API's /v1/reports requests; 0 when the request is not one of them. */
int core_reports_admin(struct daemon *d, const struct http_request *req, struct http_reply *reply);

/* ---- retention.c: erasing content whose retention period ended ---- */

/* Answers the admin API's /v1/retention requests; 0 when the request is not one of them. */
int core_retention_admin(struct daemon *d, const struct http_request *req,
                         struct http_reply *reply);

#endif
