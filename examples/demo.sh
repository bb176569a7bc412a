#!/usr/bin/env bash
# examples/demo.sh — a short walk through what apiauth makes of Authorization and
# WWW-Authenticate values, using the `apiauth` command-line tool.
#
#   usage: examples/demo.sh path/to/apiauth      (`./dev demo` builds the tool and runs this)
#
# Every example says whether the input must be accepted or rejected; the script checks the
# tool's exit status for each (0 accepted, 1 rejected; anything else is a failure) and exits
# non-zero if any example misbehaves.
set -uo pipefail

cli=${1:?usage: examples/demo.sh path/to/apiauth}
if [ ! -x "$cli" ]; then
    echo "demo: $cli is not an executable (build it first: ./dev build)" >&2
    exit 2
fi

examples=0
failures=0

if [ -t 1 ]; then bold=$'\033[1m' red=$'\033[31m' plain=$'\033[0m'; else bold='' red='' plain=''; fi

section() { printf '\n%s== %s ==%s\n' "$bold" "$*" "$plain"; }
say() { printf '\n'; printf '%s\n' "$@"; }  # one line per argument

# One argument as it could be typed again: bare if it is safe, $'…' if it holds a control
# character, else in single quotes.
shell_word() {
    local q=\' s=$1
    if [[ $s =~ ^[A-Za-z0-9_./=:@%+-]+$ ]]; then
        printf '%s' "$s"
    elif [[ $s =~ [[:cntrl:]] ]]; then
        printf '%q' "$s"
    else
        printf "'%s'" "${s//$q/$q\\$q$q}"
    fi
}

# The command line; an argument too long to read is abbreviated.
show_command() {
    local line='$ apiauth' arg
    for arg in "$@"; do
        if [ ${#arg} -gt 200 ]; then
            line+=" $(shell_word "${arg:0:24}")…[${#arg} octets]"
        else
            line+=" $(shell_word "$arg")"
        fi
    done
    printf '%s\n' "$line"
}

# expect accept|reject <apiauth arguments…>: run the tool, show what it says, check its verdict.
expect() {
    local want=$1 status
    shift
    examples=$((examples + 1))
    echo
    show_command "$@"
    "$cli" "$@" 2>&1 | sed 's/^./    &/'
    status=${PIPESTATUS[0]}
    case "$want:$status" in
        accept:0 | reject:1) ;;
        *)
            failures=$((failures + 1))
            printf '%sdemo: UNEXPECTED: this example should be %sed, but apiauth exited with status %d%s\n' \
                "$red" "$want" "$status" "$plain"
            ;;
    esac
}

section "1. Credentials a server accepts"

say "The RFC 7617 example: user-id and password, base64-encoded. The password is never shown, only its length."
expect accept explain authorization 'Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=='

say "A password may contain ':'; the user-pass is split at the first one (user / pa:ss)."
expect accept explain authorization 'Basic dXNlcjpwYTpzcw=='

say "OAuth clients form-encode client_id and client_secret before Basic (RFC 6749 §2.3.1)." \
    "This AppAuth vector decodes to client_id '1PpG/Q 1' ('+' is a space) and a 48-octet secret."
expect accept explain authorization \
    'Basic MVBwRyUyRlErMTp6JTJGdFo5VndGWnFBcG1JUSUyQlpIMUk1cExrJTJGdUI0dWQlM0FYMiUyRjhiTCUyQndmRlR0MXJGdyUzRA=='

say "A bearer token shaped like a JWT (RFC 6750 §2.1). Only its first 12 characters are shown."
jwt='eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwiaWF0IjoxNTE2MjM5MDIyfQ.'
jwt+='SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c'
expect accept explain authorization "Bearer $jwt"

section "2. Credentials a server refuses, and what it answers"

say "'user' has no colon: no user-pass (RFC 7617 §2)."
expect reject explain authorization 'Basic dXNlcg=='

say "'user:pas' without its '=' padding: strict base64 (RFC 4648 §3.2) requires it."
expect reject explain authorization 'Basic dXNlcjpwYXM'

say "'-' belongs to the base64url alphabet, not to the base64 Basic uses (RFC 4648 §4)."
expect reject explain authorization 'Basic YTo-Pj4='

say "A bearer token is one b64token: a space inside it makes the value malformed."
expect reject explain authorization 'Bearer a b'

say "The scheme alone: no token."
expect reject explain authorization 'Bearer'

say "Schemes match case-insensitively, but 'Basicx' is not 'Basic': both challenges are offered."
expect reject explain authorization 'Basicx dXNlcjpwYXNz'

say "A raw CR (and LF) in the value, as a header-injection attempt would carry (RFC 9110 §5.5)."
expect reject explain authorization $'Bearer mF_9.B5f-4.1JqM\r\nX-Admin: true'

say "A 10000-byte bearer token: the value is refused on its length before it is read (431)."
long_token=$(head -c 10000 /dev/zero | tr '\0' 'A')
expect reject explain authorization "Bearer $long_token"

say "Strict by default, explicit to loosen: 'José' in ISO-8859-1 is not UTF-8 …"
expect reject explain authorization 'Basic Sm9z6Tp4'
say "… unless the server opts in to Latin-1 (RFC 7617 §2.1)."
expect accept explain authorization --latin1 'Basic Sm9z6Tp4'

section "3. Reading WWW-Authenticate (what a client does)"

say "The RFC 9110 §11.6.1 example: two challenges in one line; commas and quotes inside quoted-strings are data."
expect accept explain www-authenticate 'Basic realm="simple", Newauth realm="apps", type=1, title="Login to \"apps\""'

say "The same parameter twice in one challenge is refused (RFC 9110 §11.2)."
expect reject explain www-authenticate 'Basic realm="a", realm="b"'

section "4. Writing challenges (what a server sends)"

expect accept challenge basic --realm example
expect accept challenge bearer --realm example --error invalid_token --description 'The access token expired'
expect accept challenge bearer --realm example --error insufficient_scope --scope 'read write'

say "A '\"' cannot appear in a scope (RFC 6750 §3), and a challenge needs at least one parameter."
expect reject challenge bearer --realm example --scope 'read "all"'
expect reject challenge bearer

say "What the server wrote, read back as a client would: two field lines, two challenges."
basic_header=$("$cli" challenge basic --realm example)
bearer_header=$("$cli" challenge bearer --realm example --error insufficient_scope --scope 'read write')
expect accept explain www-authenticate "$basic_header" "$bearer_header"

echo
if [ "$failures" -ne 0 ]; then
    printf '%sdemo: %d of %d examples did not behave as expected%s\n' "$red" "$failures" "$examples" "$plain"
    exit 1
fi
printf '%sdemo: all %d examples behaved as expected%s\n' "$bold" "$examples" "$plain"
