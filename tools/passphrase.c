/* SPDX-License-Identifier: EUPL-1.2 */
/* Opening the organisation's keystore for any command: where it is, and where its passphrase
 * comes from (a file, the environment, or the terminal without echo). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <sodium.h>

#include "cli.h"
#include "keys.h"

/* Longest passphrase read, in bytes: far beyond any that people type or generate. */
#define PASSPHRASE_MAX 1024

int
cli_keys_fail(const char *command, const struct keys_err *err)
{
    fprintf(stderr, "baton %s: ", command);
    cli_put_safe(stderr, err->text);
    fputc('\n', stderr);
    return CLI_UNUSABLE;
}

const char *
cli_keystore_path(const char *command, const char *path)
{
    const char *env;

    if (path != NULL && path[0] != '\0')
        return path;
    env = getenv(CLI_KEYSTORE_ENV);
    if (env != NULL && env[0] != '\0')
        return env;
    cli_usage(command, "which keystore? Give --keystore FILE or set " CLI_KEYSTORE_ENV);
    return NULL;
}

/* ---- the terminal, without echo ---- */

/* Where a signal finds the terminal to restore, so that Ctrl-C at the prompt does not leave the
 * shell without echo. Only this file's prompt sets them. */
static volatile sig_atomic_t tty_saved_fd = -1;
static struct termios tty_saved;

static void
restore_tty_and_die(int sig)
{
    if (tty_saved_fd >= 0)
        (void)tcsetattr(tty_saved_fd, TCSAFLUSH, &tty_saved);
    signal(sig, SIG_DFL);
    raise(sig);
}

/* Shows prompt on the terminal and reads one line into buf (PASSPHRASE_MAX bytes), echo off. */
static int
read_tty(const char *command, const char *prompt, char *buf)
{
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGTSTP};
    struct sigaction sa, old[sizeof sigs / sizeof sigs[0]];
    struct termios quiet;
    size_t len = 0, i;
    ssize_t r;
    char c;
    int fd, rc = CLI_UNUSABLE, echo_off = 0;

    fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) {
        fprintf(stderr,
                "baton %s: no terminal to ask for the passphrase on; set %s or use "
                "--passphrase-file FILE\n",
                command, CLI_PASSPHRASE_ENV);
        return CLI_UNUSABLE;
    }
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = restore_tty_and_die;
    sigemptyset(&sa.sa_mask);
    if (tcgetattr(fd, &tty_saved) == 0) {
        quiet = tty_saved;
        quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
        quiet.c_lflag |= ICANON;
        tty_saved_fd = fd;
        for (i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
            sigaction(sigs[i], &sa, &old[i]);
        echo_off = tcsetattr(fd, TCSAFLUSH, &quiet) == 0;
    }
    if (write(fd, prompt, strlen(prompt)) < 0)
        goto out;
    for (;;) {
        r = read(fd, &c, 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0 || c == '\n')
            break;
        if (len == PASSPHRASE_MAX - 1) {
            fprintf(stderr, "baton %s: the passphrase is longer than %d bytes\n", command,
                    PASSPHRASE_MAX - 1);
            goto out;
        }
        buf[len++] = c;
    }
    buf[len] = '\0';
    rc = CLI_OK;
out:
    if (tty_saved_fd >= 0) {
        (void)tcsetattr(fd, TCSAFLUSH, &tty_saved);
        tty_saved_fd = -1;
        for (i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
            sigaction(sigs[i], &old[i], NULL);
    }
    if (echo_off) {
        /* The Enter that was not echoed; a terminal that cannot take it changes nothing. */
        ssize_t ignored = write(fd, "\n", 1);

        (void)ignored;
    }
    close(fd);
    return rc;
}

/* ---- a passphrase file ---- */

/* The first line of path, which only its owner may read (as the keystore). */
static int
read_file(const char *command, const char *path, char *buf)
{
    struct stat sb;
    size_t len = 0;
    ssize_t r;
    int fd, rc = CLI_UNUSABLE;
    char *nl;

    fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        fprintf(stderr, "baton %s: cannot open passphrase file %s: %s\n", command, path,
                strerror(errno));
        return CLI_UNUSABLE;
    }
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        fprintf(stderr, "baton %s: passphrase file %s is not a regular file\n", command, path);
        goto out;
    }
    if ((sb.st_mode & 077) != 0) {
        fprintf(stderr,
                "baton %s: passphrase file %s is %s by group or others (mode %04o); run "
                "chmod 600 %s\n",
                command, path, (sb.st_mode & 044) != 0 ? "readable" : "writable",
                (unsigned)(sb.st_mode & 07777), path);
        goto out;
    }
    while (len < PASSPHRASE_MAX) {
        r = read(fd, buf + len, PASSPHRASE_MAX - len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            fprintf(stderr, "baton %s: cannot read passphrase file %s: %s\n", command, path,
                    strerror(errno));
            goto out;
        }
        if (r == 0)
            break;
        len += (size_t)r;
    }
    nl = memchr(buf, '\n', len);
    if (nl == NULL && len == PASSPHRASE_MAX) {
        fprintf(stderr, "baton %s: the first line of passphrase file %s is longer than %d bytes\n",
                command, path, PASSPHRASE_MAX - 1);
        goto out;
    }
    len = nl != NULL ? (size_t)(nl - buf) : len;
    if (len > 0 && buf[len - 1] == '\r') /* a file written on Windows */
        len--;
    sodium_memzero(buf + len, PASSPHRASE_MAX - len);
    rc = CLI_OK;
out:
    close(fd);
    return rc;
}

/* ---- the sources in order ---- */

/* A passphrase from passphrase_file, else $BATON_PASSPHRASE, else the terminal (asked twice when
 * confirm) into *out, in guarded memory. */
static int
get_passphrase(const char *command, const char *passphrase_file, const char *prompt, int confirm,
               const char *why, char **out)
{
    const char *env = getenv(CLI_PASSPHRASE_ENV);
    char *buf, *again = NULL;
    int rc;

    buf = sodium_malloc(PASSPHRASE_MAX);
    if (buf == NULL) {
        fprintf(stderr, "baton %s: no guarded memory for the passphrase\n", command);
        return CLI_UNUSABLE;
    }
    if (passphrase_file != NULL) {
        rc = read_file(command, passphrase_file, buf);
    } else if (env != NULL) {
        if (strlen(env) >= PASSPHRASE_MAX) {
            fprintf(stderr, "baton %s: %s is longer than %d bytes\n", command, CLI_PASSPHRASE_ENV,
                    PASSPHRASE_MAX - 1);
            rc = CLI_UNUSABLE;
        } else {
            memcpy(buf, env, strlen(env) + 1);
            rc = CLI_OK;
        }
    } else if (isatty(STDIN_FILENO)) {
        rc = read_tty(command, prompt, buf);
        if (rc == CLI_OK && confirm) {
            again = sodium_malloc(PASSPHRASE_MAX);
            rc = again == NULL ? CLI_UNUSABLE
                               : read_tty(command, "The same passphrase again: ", again);
            if (rc == CLI_OK && strcmp(buf, again) != 0) {
                fprintf(stderr, "baton %s: the two passphrases differ; nothing was written\n",
                        command);
                rc = CLI_UNUSABLE;
            }
            if (again != NULL)
                sodium_free(again);
        }
    } else {
        fprintf(stderr, "baton %s: ", command);
        cli_put_safe(stderr, why);
        fprintf(stderr,
                ": set %s, use --passphrase-file FILE, or run baton from a terminal to be asked "
                "for it\n",
                CLI_PASSPHRASE_ENV);
        rc = CLI_UNUSABLE;
    }
    if (rc == CLI_OK && buf[0] == '\0') {
        fprintf(stderr, "baton %s: the passphrase is empty\n", command);
        rc = CLI_UNUSABLE;
    }
    if (rc != CLI_OK) {
        sodium_free(buf);
        return rc;
    }
    *out = buf;
    return CLI_OK;
}

int
cli_new_passphrase(const char *command, const char *passphrase_file, char **out)
{
    return get_passphrase(command, passphrase_file, "New passphrase for the keystore: ", 1,
                          "no passphrase for the new keystore", out);
}

int
cli_open_keystore(const char *command, const char *path, const char *passphrase_file,
                  struct keys_keystore **out, char **passphrase)
{
    struct keys_err err;
    enum keys_status st;
    char prompt[300], why[300], *pw = NULL;
    int rc;

    path = cli_keystore_path(command, path);
    if (path == NULL)
        return CLI_UNUSABLE;
    if (keys_init(&err) != KEYS_OK)
        return cli_keys_fail(command, &err);
    /* Unencrypted first: the file's header says whether a passphrase is needed at all, and
     * nobody is asked for one that is not. */
    st = keys_keystore_load(path, NULL, out, &err);
    if (st == KEYS_OK) {
        if (passphrase != NULL)
            *passphrase = NULL;
        return CLI_OK;
    }
    if (st != KEYS_EPASSPHRASE)
        return cli_keys_fail(command, &err);
    snprintf(prompt, sizeof prompt, "Passphrase for keystore %s: ", path);
    snprintf(why, sizeof why, "keystore %s is encrypted and needs its passphrase", path);
    rc = get_passphrase(command, passphrase_file, prompt, 0, why, &pw);
    if (rc != CLI_OK)
        return rc;
    st = keys_keystore_load(path, pw, out, &err);
    if (st != KEYS_OK) {
        sodium_free(pw);
        return cli_keys_fail(command, &err);
    }
    if (passphrase != NULL)
        *passphrase = pw;
    else
        sodium_free(pw);
    return CLI_OK;
}
