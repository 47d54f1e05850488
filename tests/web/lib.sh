# SPDX-License-Identifier: EUPL-1.2
# What the web page's tests share, on top of tests/integration/lib.sh: tokens for a caseworker, a
# privacy officer and an administrator at the school and the municipality, both daemons with the
# web page on a loopback port of their own (WEB_school, WEB_gemeente), and a handover from the
# school delivered to the municipality ($HANDOVER).
#
# Sourced with: BATON BATOND HELPER SOURCE_DIR as arguments.

. "$4/tests/integration/lib.sh"

TOK_CW=cw-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
TOK_PO=po-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
TOK_AD=ad-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
export TOK_CW TOK_PO TOK_AD

sha() {
    printf %s "$1" | sha256sum | cut -d' ' -f1
}

# webnet: the network, the tokens files and both daemons started with their web pages.
webnet() {
    net || return 1
    # The page's files in the test's own folder, which only root may enter: batond, which drops
    # root once started, serves them from the folder it opened at start.
    cp -r "$SRC/daemon/web" "$W/web" || return 1
    set -- $("$HELPER" ports 2)
    WEB_school=$1
    WEB_gemeente=$2
    for org in school gemeente; do
        {
            echo "# NAME ROLE SHA256-OF-TOKEN"
            echo "anna.caseworker caseworker $(sha "$TOK_CW")"
            echo "piet.privacy privacy-officer $(sha "$TOK_PO")"
            echo "ops administrator $(sha "$TOK_AD")"
        } >"$W/$org/tokens"
        chmod 600 "$W/$org/tokens"
        eval "wport=\$WEB_$org"
        conf $org "tokens = tokens" "web_listen = 127.0.0.1:$wport" "web_root = $W/web"
    done
    BATON_TOKEN=$TOK_CW
    export BATON_TOKEN
    start school || return 1
    start gemeente || return 1
}

# handover: sends the example handover from the school and waits until it is delivered; its id
# in $HANDOVER.
handover() {
    HANDOVER=$(send_handover)
    [ -n "$HANDOVER" ] || { fail "the school sends a handover" "$W/err"; return 1; }
    waitfor 20 is_state school "$HANDOVER" delivered ||
        { fail "the handover is delivered" "$W/school/log"; return 1; }
}

# web NAME METHOD PATH [CURL ARG...]: one request to NAME's web page with curl; the body in
# $W/out, the headers in $W/headers, the status in $code.
web() {
    name=$1
    method=$2
    path=$3
    shift 3
    eval "wport=\$WEB_$name"
    code=$(curl -s -o "$W/out" -D "$W/headers" -w '%{http_code}' -X "$method" \
        "$@" "http://127.0.0.1:$wport$path" 2>"$W/err")
}
