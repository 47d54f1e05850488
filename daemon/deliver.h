/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * batond's HTTPS client (internal to the daemon library): POSTs a packet or notice to a peer's
 * endpoint over mutual TLS with libcurl, trusting exactly the TLS key that the signed directory
 * pins for that peer, and presenting this organisation's certificate. Connections are kept open
 * between calls and reused.
 *
 * Trust: peers' certificates are self-signed, so no CA can vouch for them; the directory's pin
 * (the SHA-256 of the peer's SubjectPublicKeyInfo) is the trust. libcurl checks the pin right
 * after the TLS handshake and before it sends a byte of the request, and closes the connection
 * when the key differs; CA and host-name checks are therefore off, and every request must carry
 * a pin (deliver_post refuses one without).
 *
 * Threads: a struct deliver is used by one thread at a time (one per delivery worker). Different
 * objects may be used in different threads at once.
 */
#ifndef BATON_DAEMON_DELIVER_H
#define BATON_DAEMON_DELIVER_H

#include <stddef.h>
#include <stdint.h>

#include "daemon.h"

/* Peers (base URL and pin) whose connection a deliver object keeps open; beyond that the one
 * used longest ago is closed. A network of a few hundred organisations sends to few at once. */
#define DELIVER_MAX_PEERS 32
/* The longest base URL plus path accepted, in bytes. */
#define DELIVER_URL_MAX 1024

struct deliver;

/*
 * A new client presenting cert_pem (the organisation's self-signed TLS certificate, PEM) and
 * key_pem (its private key, PEM, as keys_keystore_tls_key_pem gives it in sodium memory). Both
 * are borrowed: they are checked to form a pair and copied into anonymous memory files
 * (memfd_create) that libcurl's GnuTLS backend reads through /proc/self/fd for each new
 * connection, since it cannot take a key from memory; the key never touches a disk, and the
 * caller may wipe and free its copy on return. connect_timeout_ms bounds the TCP and TLS
 * handshakes, total_timeout_ms a whole request; max_reply is the largest reply body accepted.
 *
 * DAEMON_ETLS when the certificate or key cannot be read or do not belong together, DAEMON_EIO
 * when the memory files cannot be made (no memfd_create, no /proc), DAEMON_EINVAL for a bad
 * argument, DAEMON_ENOMEM. On error *out is untouched.
 */
enum daemon_status deliver_new(const char *cert_pem, const char *key_pem, long connect_timeout_ms,
                               long total_timeout_ms, size_t max_reply, struct deliver **out,
                               struct daemon_err *err);

/* Closes the connections, wipes the memory file holding the key and frees d. NULL is allowed. */
void deliver_free(struct deliver *d);

/*
 * POSTs body[0..len) with Content-Type content_type to base_url + path, over TLS 1.2 or later,
 * to a peer whose TLS key must have the pin "sha256//<base64>" (from the directory). base_url is
 * "https://HOST[:PORT][/PREFIX]" (a trailing '/' is ignored), path starts with '/'. Proxies from
 * the environment are ignored, redirects are not followed.
 *
 * On DAEMON_OK the peer answered: *http_status is its HTTP status, whatever it is (a 4xx or 5xx
 * is the peer's answer, not an error at this layer), and *reply (malloc'd, NUL-terminated, the
 * caller frees it) holds the reply body of *reply_len bytes (at most max_reply). reply may be
 * NULL when the body is not wanted.
 *
 * Errors, each with a message naming the peer: DAEMON_EIO when no connection could be made
 * ("could not connect to https://...: Connection refused") or it broke; DAEMON_ETIMEOUT when the
 * peer did not complete the handshake or the answer in time; DAEMON_ETLS when the peer's TLS key
 * is not the pinned one (nothing was sent) or TLS failed; DAEMON_EPEER when the reply exceeds
 * max_reply or is not HTTP; DAEMON_EINVAL for an argument outside the contract (an http:// URL,
 * no pin or a malformed one, control characters in the URL or content type); DAEMON_ENOMEM. On
 * error *http_status, *reply and *reply_len are untouched, and the peer may or may not have
 * received the body (only DAEMON_EINVAL and DAEMON_ETLS for a pin mismatch promise it did not).
 */
enum daemon_status deliver_post(struct deliver *d, const char *base_url, const char *path,
                                const char *pin, const char *content_type,
                                const unsigned char *body, size_t len, long *http_status,
                                unsigned char **reply, size_t *reply_len, struct daemon_err *err);

/* How many new connections the last deliver_post opened: 0 when it reused one (for logs and
 * tests), 1 when it connected, 0 too when it failed before connecting. */
long deliver_last_connects(const struct deliver *d);

/*
 * The wait in seconds before attempt number attempt + 1, after attempt attempts have failed
 * (attempt 1: the wait after the first failure). Exponential back-off with "full jitter" above a
 * floor: uniformly random in [initial_s, min(max_s, initial_s * 2^(attempt-1))]. The randomness
 * spreads the retries of many senders after a peer's outage, so that they do not all come back
 * at the same second; the floor keeps a sender from retrying at once. It needs no state but the
 * attempt count, which the outbox keeps across restarts. random is a uniformly random 32-bit
 * number (randombytes_random()); the modulo bias is below 2^-15 for any span up to a day.
 * initial_s 0 counts as 1; max_s below initial_s counts as initial_s; attempt 0 as 1.
 */
unsigned deliver_backoff(unsigned attempt, unsigned initial_s, unsigned max_s, uint32_t random);

#endif
