/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * A peer that misbehaves, for tests/integration/faults.sh: listens on 127.0.0.1:PORT and, for
 * every connection, either never answers (silent), answers a TLS record one byte a second that
 * never ends (slow), or sends garbage and hangs up (garbage). Runs until killed.
 *
 * usage: fakepeer PORT silent|slow|garbage
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

enum mode { SILENT, SLOW, GARBAGE };

static enum mode mode;

static void *
serve(void *arg)
{
    /* A handshake record header announcing 16 KiB that then comes a byte a second. */
    static const unsigned char header[] = {0x16, 0x03, 0x03, 0x40, 0x00};
    unsigned char buf[4096];
    int fd = (int)(intptr_t)arg;
    size_t i;

    if (mode == GARBAGE) {
        for (i = 0; i < sizeof buf; i++)
            buf[i] = (unsigned char)(i * 131u + 7u);
        (void)send(fd, buf, sizeof buf, MSG_NOSIGNAL);
    } else if (mode == SLOW) {
        if (send(fd, header, sizeof header, MSG_NOSIGNAL) == (ssize_t)sizeof header)
            while (send(fd, "\x02", 1, MSG_NOSIGNAL) == 1)
                sleep(1);
    } else {
        /* Reads what comes and says nothing, until the client gives up. */
        while (recv(fd, buf, sizeof buf, 0) > 0)
            ;
    }
    close(fd);
    return NULL;
}

int
main(int argc, char **argv)
{
    struct sockaddr_in a = {0};
    pthread_t t;
    int s, c, one = 1;

    if (argc != 3 || atoi(argv[1]) <= 0) {
        fprintf(stderr, "usage: fakepeer PORT silent|slow|garbage\n");
        return 2;
    }
    if (strcmp(argv[2], "silent") == 0)
        mode = SILENT;
    else if (strcmp(argv[2], "slow") == 0)
        mode = SLOW;
    else if (strcmp(argv[2], "garbage") == 0)
        mode = GARBAGE;
    else
        return 2;
    signal(SIGPIPE, SIG_IGN);
    s = socket(AF_INET, SOCK_STREAM, 0);
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)atoi(argv[1]));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) != 0 || listen(s, 64) != 0) {
        perror("fakepeer");
        return 1;
    }
    printf("listening\n");
    fflush(stdout);
    for (;;) {
        c = accept(s, NULL, NULL);
        if (c < 0)
            continue;
        if (pthread_create(&t, NULL, serve, (void *)(intptr_t)c) != 0)
            close(c);
        else
            pthread_detach(t);
    }
}
