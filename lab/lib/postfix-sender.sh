# Shared by the lab's sending-only Postfix instances (lab/senders/postfix-sender.sh,
# lab/providers/mx-sender.sh, lab/mta-sts/postfix-sts.sh): sourced, not run. lab/fixes/run.sh
# (a receiving instance with its own master.cf) uses postfix_sender_dirs only.
#
#   postfix_sender_dirs DIR
#       a fresh instance directory: DIR (config), DIR/queue, DIR/data (owned by postfix, 0700).
#   postfix_sender_config DIR MYHOSTNAME LOG_PREFIX < EXTRA_MAIN_CF
#       DIR/master.cf: the internal services only (pickup, cleanup, qmgr, smtp, ...): no inet
#       listener, so the instance cannot receive mail from the network;
#       DIR/main.cf: its own config, queue and data directories, EHLO MYHOSTNAME, no local
#       delivery, no aliases, no relayhost, TLS logging, the log in DIR/maillog (under
#       LOG_PREFIX, maillog_file_prefixes), then the lines read from stdin (routing, TLS policy,
#       timeouts: what differs between the senders; a parameter given twice: the last wins).
# POSIX sh; the caller has `set -e` or checks the status.

postfix_sender_dirs() {
  rm -rf "$1"
  mkdir -p "$1/queue" "$1/data"
  chmod 755 "$1" "$1/queue"
  chown postfix "$1/data"
  chmod 700 "$1/data"
}

postfix_sender_config() {
  _pfs_dir=${1:?instance directory}
  _pfs_host=${2:?myhostname}
  _pfs_prefix=${3:?maillog_file_prefixes}
  cat > "$_pfs_dir/master.cf" <<'MASTER'
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
MASTER
  {
    cat <<MAIN
compatibility_level = 3.6
config_directory = $_pfs_dir
queue_directory = $_pfs_dir/queue
data_directory = $_pfs_dir/data
mail_owner = postfix
setgid_group = postdrop
myhostname = $_pfs_host
myorigin = \$myhostname
mydestination =
relayhost =
alias_maps =
alias_database =
local_transport = error:no local delivery in the sender lab
smtp_tls_loglevel = 1
maillog_file_prefixes = $_pfs_prefix
maillog_file = $_pfs_dir/maillog
MAIN
    cat
  } > "$_pfs_dir/main.cf"
}
