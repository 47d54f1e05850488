/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * daemon: batond, the peer endpoint each organisation runs. The peer HTTPS endpoint, admin API,
 * store, delivery worker and audit chain arrive with the daemon issue; until then this library
 * only states what it is.
 */
#ifndef BATON_DAEMON_H
#define BATON_DAEMON_H

/* The daemon's version string, e.g. "0.1.0". Static storage. */
const char *daemon_version(void);

#endif
