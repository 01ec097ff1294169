#!/usr/bin/env bash
# A throwaway Dovecot IMAP server for the tests, under a directory of its own.
#   scripts/dovecot-test.sh start DIR PORT USER PASSWORD   installs Dovecot if missing
#   scripts/dovecot-test.sh stop DIR
# Idempotent: starting an already running server in DIR restarts it. Needs root
# (or sudo) only to install the Debian package the first time.
set -euo pipefail

command_=${1:?start or stop}
dir=${2:?a directory}

stop() {
    if [ -f "$dir/run/master.pid" ]; then
        doveadm -c "$dir/dovecot.conf" stop >/dev/null 2>&1 || \
            kill "$(cat "$dir/run/master.pid")" 2>/dev/null || true
        for _ in $(seq 50); do [ -f "$dir/run/master.pid" ] || break; sleep 0.1; done
    fi
}

if [ "$command_" = stop ]; then
    stop
    exit 0
fi

port=${3:?a port}
user=${4:-desk}
password=${5:-desk-secret}

if ! command -v dovecot >/dev/null 2>&1; then
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
        dovecot-imapd >/dev/null
fi

stop
mkdir -p "$dir/run" "$dir/state" "$dir/mail"
chmod 0755 "$dir"  # Dovecot's auth process reads the users file as its own user
uid=$(id -u nobody)
gid=$(id -g nobody)
chown "$uid:$gid" "$dir/mail" 2>/dev/null || chmod 0777 "$dir/mail"
internal=$(id -u dovecot >/dev/null 2>&1 && echo dovecot || id -un)
login=$(id -u dovenull >/dev/null 2>&1 && echo dovenull || id -un)
printf '%s:{PLAIN}%s:%s:%s::%s/mail/%s::\n' "$user" "$password" "$uid" "$gid" "$dir" "$user" \
    > "$dir/users"

cat > "$dir/dovecot.conf" <<CONF
base_dir = $dir/run
state_dir = $dir/state
log_path = $dir/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = $internal
default_login_user = $login
first_valid_uid = 1
mail_location = maildir:$dir/mail/%u
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $dir/users
}
userdb {
  driver = passwd-file
  args = username_format=%u $dir/users
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $port
  }
  inet_listener imaps {
    port = 0
  }
}
service anvil {
  chroot =
}
service imap-login {
  chroot =
}
CONF

dovecot -c "$dir/dovecot.conf"
for _ in $(seq 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then exit 0; fi
    sleep 0.1
done
echo "dovecot did not listen on $port; see $dir/dovecot.log" >&2
exit 1
