#!/bin/sh
# Takeone installer: puts the takeone binary, a system user, a starter config
# and a hardened systemd unit in place, then starts the service.
# Re-running it upgrades in place and never touches an existing config.
# Run `sh install.sh --help` for the options.
set -eu

SERVICE=takeone.service
ACCOUNT=takeone
BIN_PATH=/usr/local/bin/takeone
CONF_DIR=/etc/takeone
CONF_FILE=/etc/takeone/config.yaml
DATA_DIR=/var/lib/takeone
UNIT_DIR=/etc/systemd/system
UNIT_FILE=/etc/systemd/system/takeone.service
WANTS_LINK=/etc/systemd/system/multi-user.target.wants/takeone.service
SYSCTL_FILE=/etc/sysctl.d/60-takeone.conf
# Every take's media arrives on one UDP socket, which asks for a 4 MiB receive buffer; the kernel caps it at this.
RMEM_MAX=4194304
DEFAULT_HTTP=0.0.0.0:8090

usage() {
	cat <<'EOF'
Usage: install.sh [OPTIONS]

Installs or upgrades the Takeone server as the systemd service takeone.service:
  /usr/local/bin/takeone            the binary
  /etc/takeone/config.yaml          the config (written once, never overwritten)
  /var/lib/takeone                  database, recordings, certificates
  /etc/systemd/system/takeone.service

Where the binary comes from (one of them; not needed with --uninstall):
  --binary PATH          install the takeone binary at PATH
  --url URL --sha256 HEX download the binary (curl, or wget) and install it
                         only if its SHA-256 is HEX (64 hex characters)
  --sha256 HEX           with --binary: check the file against HEX as well

Settings for a new config (ignored, with a warning, if the config exists):
  --domain NAME          serve HTTPS for NAME on 443 with an automatic
                         certificate (HTTP-01 and redirect on 80); repeat
                         the option for more names
  --email ADDR           contact address for the certificate authority
                         (with --domain)
  --http ADDR            listen address without --domain (default 0.0.0.0:8090)

Other options:
  --no-start             install and enable the service, do not (re)start it
  --root DIR             write everything under DIR instead of / (image or
                         chroot builds): nothing on this host is changed and
                         no service is started; DIR/etc/passwd must exist
  --skip-version-check   do not run `takeone version` after copying (only for
                         a binary that cannot run on this host, e.g. another
                         CPU architecture with --root)
  --uninstall            stop and disable the service, remove the binary and
                         the unit; keeps /var/lib/takeone and /etc/takeone
  --purge                with --uninstall: also delete /var/lib/takeone,
                         /etc/takeone and the takeone user and group
  -h, --help             show this help

Examples:
  sudo sh install.sh --binary ./takeone --domain interviews.example.com --email it@example.com
  sudo sh install.sh --url https://example.com/takeone-linux-amd64 --sha256 <64 hex digits>
  sudo sh install.sh --binary ./takeone --http 127.0.0.1:8090   # behind a reverse proxy
  sudo sh install.sh --uninstall
EOF
}

say() { printf '%s\n' "$*"; }
warn() { printf 'install.sh: warning: %s\n' "$*" >&2; }

# die MESSAGE [HINT...]: print the problem and what to do, exit 1.
die() {
	printf 'install.sh: error: %s\n' "$1" >&2
	shift
	for line in "$@"; do printf '  %s\n' "$line" >&2; done
	exit 1
}

# usage_error MESSAGE [HINT...]: a bad command line; exit 2.
usage_error() {
	printf 'install.sh: error: %s\n' "$1" >&2
	shift
	for line in "$@"; do printf '  %s\n' "$line" >&2; done
	printf "Run 'sh install.sh --help' for all options.\n" >&2
	exit 2
}

have() { command -v "$1" >/dev/null 2>&1; }

lower() { printf '%s' "$1" | tr '[:upper:]' '[:lower:]'; }

# ---------------------------------------------------------------------------
# Temporary files, removed on every exit path.
TMP_DOWNLOAD=
TMP_BIN=
TMP_CONF=
TMP_UNIT=
cleanup() {
	for f in "$TMP_DOWNLOAD" "$TMP_BIN" "$TMP_CONF" "$TMP_UNIT"; do
		if [ -n "$f" ]; then rm -f "$f"; fi
	done
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------------------
# Command line.
BINARY=
URL=
SHA256=
DOMAINS=
EMAIL=
HTTP_ADDR=
ROOT=
NO_START=0
SKIP_VERSION_CHECK=0
UNINSTALL=0
PURGE=0

while [ $# -gt 0 ]; do
	opt=$1
	inline=0
	val=
	case $opt in
	--*=*)
		val=${opt#*=}
		opt=${opt%%=*}
		inline=1
		;;
	esac
	case $opt in
	--binary | --url | --sha256 | --domain | --email | --http | --root)
		if [ "$inline" = 1 ]; then
			shift
		elif [ $# -lt 2 ]; then
			usage_error "option $opt needs a value" "e.g. $opt VALUE"
		else
			val=$2
			shift 2
		fi
		case $val in
		'') usage_error "option $opt needs a value, got an empty one" ;;
		--*) usage_error "option $opt needs a value, got the option '$val'" ;;
		esac
		;;
	--no-start | --skip-version-check | --uninstall | --purge | -h | --help)
		if [ "$inline" = 1 ]; then usage_error "option $opt takes no value"; fi
		shift
		;;
	-*) usage_error "unknown option: $opt" ;;
	*) usage_error "unexpected argument: '$opt'" "options take the form --name VALUE, e.g. --binary ./takeone" ;;
	esac

	case $opt in
	--binary)
		if [ -n "$BINARY" ]; then usage_error "--binary given twice"; fi
		BINARY=$val
		;;
	--url)
		if [ -n "$URL" ]; then usage_error "--url given twice"; fi
		URL=$val
		;;
	--sha256)
		if [ -n "$SHA256" ]; then usage_error "--sha256 given twice"; fi
		SHA256=$val
		;;
	--domain)
		d=$(lower "$val")
		case $d in
		*[!a-z0-9.-]* | .* | *. | *..* | -* | *-)
			usage_error "invalid domain: '$val'" "give a plain host name such as interviews.example.com (no scheme, port, path or wildcard)"
			;;
		*.*) ;;
		*) usage_error "invalid domain: '$val'" "give a fully qualified name such as interviews.example.com" ;;
		esac
		case " $DOMAINS " in
		*" $d "*) ;;
		*) DOMAINS="${DOMAINS:+$DOMAINS }$d" ;;
		esac
		;;
	--email)
		if [ -n "$EMAIL" ]; then usage_error "--email given twice"; fi
		EMAIL=$val
		;;
	--http)
		if [ -n "$HTTP_ADDR" ]; then usage_error "--http given twice"; fi
		HTTP_ADDR=$val
		;;
	--root)
		if [ -n "$ROOT" ]; then usage_error "--root given twice"; fi
		ROOT=$val
		;;
	--no-start) NO_START=1 ;;
	--skip-version-check) SKIP_VERSION_CHECK=1 ;;
	--uninstall) UNINSTALL=1 ;;
	--purge) PURGE=1 ;;
	-h | --help)
		usage
		exit 0
		;;
	esac
done

# ---------------------------------------------------------------------------
# Checks of the whole command line: nothing is written before they pass.
if [ "$PURGE" = 1 ] && [ "$UNINSTALL" = 0 ]; then
	usage_error "--purge only works together with --uninstall" "to delete everything: sh install.sh --uninstall --purge"
fi

if [ "$UNINSTALL" = 1 ]; then
	for pair in "--binary:$BINARY" "--url:$URL" "--sha256:$SHA256" "--domain:$DOMAINS" \
		"--email:$EMAIL" "--http:$HTTP_ADDR"; do
		if [ -n "${pair#*:}" ]; then
			usage_error "--uninstall cannot be combined with ${pair%%:*}"
		fi
	done
	if [ "$NO_START" = 1 ] || [ "$SKIP_VERSION_CHECK" = 1 ]; then
		usage_error "--uninstall cannot be combined with --no-start or --skip-version-check"
	fi
else
	if [ -n "$BINARY" ] && [ -n "$URL" ]; then
		usage_error "use either --binary or --url, not both"
	fi
	if [ -z "$BINARY" ] && [ -z "$URL" ]; then
		usage_error "no binary given" \
			"pass --binary PATH (a takeone binary you downloaded or built)" \
			"or --url URL --sha256 HEX (the SHA-256 published with the release)"
	fi
	if [ -n "$URL" ]; then
		case $URL in
		https://* | http://*) ;;
		*) usage_error "invalid --url: '$URL'" "give an https:// (or http://) address of the takeone binary" ;;
		esac
		if [ -z "$SHA256" ]; then
			usage_error "--url needs --sha256 HEX" "a download is only installed after its checksum is verified; copy the SHA-256 from the release page"
		fi
	fi
	if [ -n "$SHA256" ]; then
		case $SHA256 in
		*[!0-9a-fA-F]*) bad_sha=1 ;;
		*) bad_sha=0 ;;
		esac
		if [ "$bad_sha" = 1 ] || [ ${#SHA256} -ne 64 ]; then
			usage_error "invalid --sha256: '$SHA256'" "a SHA-256 checksum is exactly 64 hexadecimal characters (sha256sum prints it)"
		fi
		SHA256=$(lower "$SHA256")
	fi
	if [ -n "$BINARY" ]; then
		if [ ! -e "$BINARY" ]; then
			usage_error "binary not found: $BINARY" "pass the path of the takeone binary, e.g. --binary ./takeone"
		fi
		if [ ! -f "$BINARY" ] || [ ! -r "$BINARY" ]; then
			usage_error "not a readable file: $BINARY" "pass the path of the takeone binary itself"
		fi
	fi
	if [ -n "$DOMAINS" ] && [ -n "$HTTP_ADDR" ]; then
		usage_error "--http cannot be combined with --domain" \
			"with --domain the server listens on 443 (HTTPS) and 80 (certificates, redirect);" \
			"use --http ADDR without --domain, e.g. behind a reverse proxy"
	fi
	if [ -n "$EMAIL" ]; then
		if [ -z "$DOMAINS" ]; then
			usage_error "--email needs --domain" "the address is only used to get HTTPS certificates for the domains"
		fi
		case $EMAIL in
		*[!A-Za-z0-9.@_%+-]* | *@*@* | @* | *@ | *@.* | *.) bad_email=1 ;;
		*@*.*) bad_email=0 ;;
		*) bad_email=1 ;;
		esac
		if [ "$bad_email" = 1 ]; then
			usage_error "invalid --email: '$EMAIL'" "give a plain address such as it@example.com"
		fi
	fi
	if [ -n "$HTTP_ADDR" ]; then
		port=${HTTP_ADDR##*:}
		case $HTTP_ADDR in
		*[!]A-Za-z0-9.:[-]* | *:) bad_http=1 ;;
		*:*) bad_http=0 ;;
		*) bad_http=1 ;;
		esac
		case $port in
		'' | *[!0-9]*) bad_http=1 ;;
		*) if [ "$port" -lt 1 ] || [ "$port" -gt 65535 ]; then bad_http=1; fi ;;
		esac
		if [ "$bad_http" = 1 ]; then
			usage_error "invalid --http: '$HTTP_ADDR'" "use HOST:PORT, e.g. 0.0.0.0:8090 (all interfaces) or 127.0.0.1:8090 (reverse proxy)"
		fi
	fi
fi

if [ -n "$ROOT" ]; then
	if [ ! -d "$ROOT" ]; then
		usage_error "--root directory not found: $ROOT" "create it first, or point --root at a mounted image or chroot"
	fi
	ROOT=$(cd "$ROOT" && pwd -P)
	if [ "$ROOT" = / ]; then
		usage_error "--root / is this host" "run without --root to install on this machine"
	fi
	if [ ! -f "$ROOT/etc/passwd" ] || [ ! -f "$ROOT/etc/group" ]; then
		usage_error "$ROOT/etc/passwd or $ROOT/etc/group is missing" \
			"--root must point at a system tree (image, chroot) that has its user database"
	fi
fi

IS_ROOT=0
if [ "$(id -u)" = 0 ]; then IS_ROOT=1; fi
if [ "$IS_ROOT" = 0 ] && [ -z "$ROOT" ]; then
	die "install.sh must run as root to install a system service" \
		"run it again with sudo (sudo sh install.sh ...), or use --root DIR to write into a directory tree"
fi

# On the host (no --root) systemd is the service manager this installer sets up.
if [ -z "$ROOT" ] && ! have systemctl; then
	die "systemctl not found: this installer sets up a systemd service" \
		"on a system without systemd, run: takeone serve --config /etc/takeone/config.yaml"
fi

# systemd is running (not a container or chroot without an init)?
systemd_running() { [ -z "$ROOT" ] && [ -d /run/systemd/system ]; }

# ---------------------------------------------------------------------------
# Users and groups. With --root, the files under ROOT are read and changed,
# never the host's.

# lookup DB NAME FIELD: print FIELD (1-based) of NAME's entry in passwd or
# group; fail when there is no such entry.
lookup() {
	if [ -z "$ROOT" ] && have getent; then
		line=$(getent "$1" "$2") || return 1
	else
		line=$(awk -F: -v n="$2" '$1 == n { print; exit }' "$ROOT/etc/$1")
	fi
	if [ -z "$line" ]; then return 1; fi
	printf '%s\n' "$line" | cut -d: -f"$3"
}

nologin_shell() {
	for s in /usr/sbin/nologin /sbin/nologin /usr/bin/nologin; do
		if [ -x "$ROOT$s" ]; then
			say "$s"
			return
		fi
	done
	say /usr/sbin/nologin
}

# login_defs KEY DEFAULT: a numeric value from ROOT/etc/login.defs.
login_defs() {
	v=
	if [ -f "$ROOT/etc/login.defs" ]; then
		v=$(awk -v k="$1" '$1 == k { v = $2 } END { print v }' "$ROOT/etc/login.defs")
	fi
	case $v in
	'' | *[!0-9]*) say "$2" ;;
	*) say "$v" ;;
	esac
}

# free_id MIN MAX FILE...: the highest id in MIN..MAX that no line of the
# files uses in field 3 (Debian hands out system ids from the top down).
free_id() {
	min=$1
	max=$2
	shift 2
	awk -F: -v min="$min" -v max="$max" '
		{ used[$3] = 1 }
		END { for (i = max; i >= min; i--) if (!(i in used)) { print i; exit } }' "$@"
}

# append_line FILE LINE: add LINE to FILE, keeping its mode and owner.
append_line() {
	if [ -s "$1" ] && [ -n "$(tail -c 1 "$1")" ]; then printf '\n' >>"$1"; fi
	printf '%s\n' "$2" >>"$1"
}

# remove_entry FILE NAME: drop NAME's line from a passwd-style file in place.
remove_entry() {
	if [ ! -f "$1" ]; then return 0; fi
	if ! awk -F: -v n="$2" '$1 == n { found = 1 } END { exit !found }' "$1"; then return 0; fi
	rest=$(awk -F: -v n="$2" '$1 != n' "$1")
	if [ -n "$rest" ]; then printf '%s\n' "$rest" >"$1"; else : >"$1"; fi
}

# Writes the entries directly: used with --root when useradd cannot chroot
# (not root, no useradd).
create_account_files() {
	etc=$ROOT/etc
	if lookup passwd "$ACCOUNT" 3 >/dev/null; then return 0; fi
	min=$(login_defs SYS_UID_MIN 100)
	max=$(login_defs SYS_UID_MAX 999)
	if gid=$(lookup group "$ACCOUNT" 3); then
		uid=
		if ! awk -F: -v id="$gid" '$3 == id { found = 1 } END { exit !found }' "$etc/passwd"; then uid=$gid; fi
		if [ -z "$uid" ]; then uid=$(free_id "$min" "$max" "$etc/passwd"); fi
	else
		gid=$(free_id "$min" "$max" "$etc/passwd" "$etc/group")
		uid=$gid
		if [ -z "$gid" ]; then die "no free system id between $min and $max in $etc/passwd and $etc/group"; fi
		append_line "$etc/group" "$ACCOUNT:x:$gid:"
		if [ -f "$etc/gshadow" ]; then append_line "$etc/gshadow" "$ACCOUNT:!::"; fi
	fi
	if [ -z "$uid" ]; then die "no free system id between $min and $max in $etc/passwd"; fi
	append_line "$etc/passwd" "$ACCOUNT:x:$uid:$gid:Takeone server:$DATA_DIR:$(nologin_shell)"
	if [ -f "$etc/shadow" ]; then
		append_line "$etc/shadow" "$ACCOUNT:!:$(($(date +%s) / 86400))::::::"
	fi
}

ensure_account() {
	if lookup passwd "$ACCOUNT" 3 >/dev/null; then
		say "System user $ACCOUNT exists (uid $(lookup passwd "$ACCOUNT" 3))."
		return
	fi
	if lookup group "$ACCOUNT" 3 >/dev/null; then
		group_opt="--gid $ACCOUNT"
	else
		group_opt=--user-group
	fi
	if [ -z "$ROOT" ]; then
		if ! have useradd; then die "useradd not found: install the passwd package (apt-get install passwd)"; fi
		# shellcheck disable=SC2086 # group_opt is one or two words on purpose
		useradd --system $group_opt --home-dir "$DATA_DIR" --no-create-home \
			--shell "$(nologin_shell)" --comment "Takeone server" "$ACCOUNT" ||
			die "could not create the system user $ACCOUNT (useradd failed, see above)"
	elif [ "$IS_ROOT" = 1 ] && have useradd; then
		# useradd chroots into ROOT; where it cannot, write the entries directly.
		# shellcheck disable=SC2086 # group_opt is one or two words on purpose
		useradd --root "$ROOT" --system $group_opt --home-dir "$DATA_DIR" --no-create-home \
			--shell "$(nologin_shell)" --comment "Takeone server" "$ACCOUNT" 2>/dev/null ||
			create_account_files
	else
		create_account_files
	fi
	lookup passwd "$ACCOUNT" 3 >/dev/null || die "creating the system user $ACCOUNT failed"
	say "Created system user $ACCOUNT (uid $(lookup passwd "$ACCOUNT" 3), no login shell, home $DATA_DIR)."
}

remove_account() {
	if lookup passwd "$ACCOUNT" 3 >/dev/null; then
		if [ -z "$ROOT" ]; then
			userdel "$ACCOUNT" || die "could not delete the system user $ACCOUNT (userdel failed, see above)"
		elif ! { [ "$IS_ROOT" = 1 ] && have userdel && userdel --root "$ROOT" "$ACCOUNT" 2>/dev/null; }; then
			for f in passwd shadow; do remove_entry "$ROOT/etc/$f" "$ACCOUNT"; done
		fi
	fi
	# userdel leaves the group behind when login.defs says so.
	if lookup group "$ACCOUNT" 3 >/dev/null; then
		if [ -z "$ROOT" ]; then
			groupdel "$ACCOUNT" || die "could not delete the group $ACCOUNT (groupdel failed, see above)"
		elif ! { [ "$IS_ROOT" = 1 ] && have groupdel && groupdel --root "$ROOT" "$ACCOUNT" 2>/dev/null; }; then
			for f in group gshadow; do remove_entry "$ROOT/etc/$f" "$ACCOUNT"; done
		fi
	fi
	say "Removed the system user and group $ACCOUNT."
}

# set_owner OWNER:GROUP PATH: numeric ids, so that --root trees get the ids of
# their own user database. Without root privileges (--root only) it is skipped.
CHOWN_WARNED=0
set_owner() {
	if [ "$IS_ROOT" = 1 ]; then
		chown "$1" "$2"
	elif [ "$CHOWN_WARNED" = 0 ]; then
		warn "not root: files keep your ownership; fix them in the image (data dir $ACCOUNT:$ACCOUNT, config root:$ACCOUNT)"
		CHOWN_WARNED=1
	fi
}

# ---------------------------------------------------------------------------
# systemd.

enable_unit() {
	if [ -n "$ROOT" ] && have systemctl && systemctl --root="$ROOT" --quiet enable "$SERVICE" 2>/dev/null; then
		:
	elif [ -z "$ROOT" ] && have systemctl && systemctl --quiet enable "$SERVICE"; then
		:
	else
		# What `systemctl enable` does for WantedBy=multi-user.target.
		mkdir -p "$ROOT${WANTS_LINK%/*}"
		ln -sfn "$UNIT_FILE" "$ROOT$WANTS_LINK"
	fi
	if [ ! -L "$ROOT$WANTS_LINK" ]; then die "enabling $SERVICE failed: $ROOT$WANTS_LINK is missing"; fi
}

disable_unit() {
	if [ -n "$ROOT" ]; then
		if have systemctl && [ -f "$ROOT$UNIT_FILE" ]; then
			systemctl --root="$ROOT" --quiet disable "$SERVICE" 2>/dev/null || true
		fi
	elif [ -f "$UNIT_FILE" ]; then
		systemctl --quiet disable "$SERVICE" 2>/dev/null || true
	fi
	rm -f "$ROOT$WANTS_LINK"
}

show_service() {
	say ""
	systemctl status "$SERVICE" --no-pager || true
	if have journalctl; then
		say ""
		say "Last log lines (journalctl -u takeone):"
		journalctl -u "$SERVICE" --no-pager -n 25 || true
	fi
}

# wait_active: true once the service has stayed active for 3 checks in a row;
# false if it fails or keeps restarting within about 20 seconds.
wait_active() {
	i=0
	ok=0
	while [ "$i" -lt 20 ]; do
		sleep 1
		i=$((i + 1))
		state=$(systemctl is-active "$SERVICE" 2>/dev/null || true)
		case $state in
		active)
			ok=$((ok + 1))
			if [ "$ok" -ge 3 ]; then return 0; fi
			;;
		failed) return 1 ;;
		*) ok=0 ;;
		esac
	done
	return 1
}

# ---------------------------------------------------------------------------
# Uninstall.
if [ "$UNINSTALL" = 1 ]; then
	found=0
	for p in "$ROOT$BIN_PATH" "$ROOT$UNIT_FILE" "$ROOT$WANTS_LINK"; do
		if [ -e "$p" ] || [ -L "$p" ]; then found=1; fi
	done
	if systemd_running; then
		if systemctl is-active --quiet "$SERVICE" 2>/dev/null; then
			say "Stopping $SERVICE (it flushes recordings first, up to 30 s)..."
			systemctl stop "$SERVICE" || die "could not stop $SERVICE; see: systemctl status takeone"
		fi
	fi
	disable_unit
	rm -f "$ROOT$UNIT_FILE" "$ROOT$SYSCTL_FILE"
	if systemd_running; then
		systemctl daemon-reload || true
		systemctl reset-failed "$SERVICE" 2>/dev/null || true
	fi
	rm -f "$ROOT$BIN_PATH"
	if [ "$found" = 1 ]; then
		say "Removed $SERVICE and $BIN_PATH${ROOT:+ (under $ROOT)}."
	else
		say "No takeone binary or unit found${ROOT:+ under $ROOT}: nothing to remove there."
	fi
	if [ "$PURGE" = 1 ]; then
		rm -rf "$ROOT$DATA_DIR" "$ROOT$CONF_DIR" "$ROOT$UNIT_FILE.d"
		say "Deleted $DATA_DIR (database, recordings, certificates) and $CONF_DIR."
		remove_account
	else
		say "Kept $DATA_DIR (database, recordings, certificates) and $CONF_DIR (config)."
		root_opt=
		if [ -n "$ROOT" ]; then root_opt=" --root '$ROOT'"; fi
		say "To delete them and the $ACCOUNT user too: sh install.sh --uninstall --purge$root_opt"
	fi
	exit 0
fi

# ---------------------------------------------------------------------------
# Install.

sha256_of() {
	if have sha256sum; then
		sha256sum <"$1" | awk '{ print $1 }'
	elif have shasum; then
		shasum -a 256 <"$1" | awk '{ print $1 }'
	elif have openssl; then
		openssl dgst -sha256 -r <"$1" | awk '{ print $1 }'
	else
		die "cannot verify --sha256: none of sha256sum, shasum or openssl is installed" "install coreutils (apt-get install coreutils)"
	fi
}

# 1. Get the binary and verify it before anything is written.
if [ -n "$URL" ]; then
	TMP_DOWNLOAD=$(mktemp "${TMPDIR:-/tmp}/takeone-download.XXXXXX")
	say "Downloading $URL ..."
	if have curl; then
		curl -fsSL --proto '=https,http' --retry 2 --connect-timeout 20 -o "$TMP_DOWNLOAD" "$URL" ||
			die "download failed: $URL (curl exit $?)" "check the address and this machine's network, or download the file yourself and use --binary PATH"
	elif have wget; then
		wget -q -O "$TMP_DOWNLOAD" "$URL" ||
			die "download failed: $URL (wget exit $?)" "check the address and this machine's network, or download the file yourself and use --binary PATH"
	else
		die "neither curl nor wget is installed" "install one (apt-get install curl), or download the binary yourself and use --binary PATH"
	fi
	case $URL in
	http://*) warn "downloaded over plain HTTP; the --sha256 check below is what protects it" ;;
	esac
	SRC=$TMP_DOWNLOAD
	SRC_NAME=$URL
else
	SRC=$BINARY
	SRC_NAME=$BINARY
fi

if [ -n "$SHA256" ]; then
	got=$(sha256_of "$SRC")
	if [ "$got" != "$SHA256" ]; then
		die "checksum mismatch for $SRC_NAME: nothing was installed" \
			"expected (--sha256): $SHA256" \
			"actual:              $got" \
			"the file is corrupt or not the one you meant: download it again, or copy the checksum of this exact file from the release page"
	fi
	say "Checksum OK ($got)."
fi

# 2. Install the binary atomically: a temp file in the same directory, then
# rename over the old one (a running server keeps its old inode).
BIN_DIR=$ROOT${BIN_PATH%/*}
mkdir -p "$BIN_DIR"
TMP_BIN=$(mktemp "$BIN_DIR/.takeone.XXXXXX")
cp "$SRC" "$TMP_BIN"
chmod 0755 "$TMP_BIN"
set_owner 0:0 "$TMP_BIN"
VERSION="(not checked)"
if [ "$SKIP_VERSION_CHECK" = 0 ]; then
	if have timeout; then
		version_cmd="timeout 30"
	else
		version_cmd=
	fi
	# shellcheck disable=SC2086 # version_cmd is empty or two words on purpose
	if ! VERSION=$($version_cmd "$TMP_BIN" version 2>&1); then
		die "the new binary does not run on this machine: 'takeone version' failed; nothing was installed" \
			"output: $(printf '%s' "$VERSION" | head -n 5)" \
			"check that it is the takeone binary for $(uname -s)/$(uname -m);" \
			"when installing with --root for another architecture, add --skip-version-check"
	fi
	VERSION=$(printf '%s\n' "$VERSION" | head -n 1)
fi
UPGRADE=0
if [ -e "$ROOT$BIN_PATH" ]; then UPGRADE=1; fi
mv -f "$TMP_BIN" "$ROOT$BIN_PATH"
TMP_BIN=
if [ "$UPGRADE" = 1 ]; then
	say "Upgraded $BIN_PATH: $VERSION"
else
	say "Installed $BIN_PATH: $VERSION"
fi

# 3. The system user.
ensure_account
USER_ID=$(lookup passwd "$ACCOUNT" 3) || die "user $ACCOUNT not found after creating it"
GROUP_ID=$(lookup group "$ACCOUNT" 3) ||
	die "group $ACCOUNT not found" "the user $ACCOUNT exists without its group: create it (groupadd --system $ACCOUNT) and run install.sh again"

# 4. Data dir and config. An existing config is never rewritten.
mkdir -p "$ROOT$DATA_DIR"
set_owner "$USER_ID:$GROUP_ID" "$ROOT$DATA_DIR"
chmod 0750 "$ROOT$DATA_DIR"

NEW_CONFIG=0
if [ -e "$ROOT$CONF_FILE" ] || [ -L "$ROOT$CONF_FILE" ]; then
	say "Kept the existing $CONF_FILE (never overwritten)."
	if [ -n "$DOMAINS$EMAIL$HTTP_ADDR" ]; then
		warn "--domain, --email and --http only apply to a new config; edit $CONF_FILE to change them, then: systemctl restart takeone"
	fi
else
	if [ ! -d "$ROOT$CONF_DIR" ]; then
		mkdir -p "$ROOT$CONF_DIR"
		set_owner "0:$GROUP_ID" "$ROOT$CONF_DIR"
		chmod 0750 "$ROOT$CONF_DIR"
	fi
	TMP_CONF=$(mktemp "$ROOT$CONF_DIR/.config.yaml.XXXXXX")
	{
		say "# Takeone configuration, written by install.sh on $(date -u +%Y-%m-%d)."
		say "# install.sh never overwrites this file. After editing it: systemctl restart takeone"
		say "# Only the install-time settings are here. config.example.yaml, at the top of the"
		say "# Takeone source tree, lists every key, commented, with its default:"
		say "#   server: http, domains, public_url, data_dir"
		say "#   tls:    email, ca, ca_root, cert_file, key_file"
		say "#   webrtc, recording, smtp, retention"
		say ""
		say "server:"
		if [ -n "$DOMAINS" ]; then
			say "  # HTTPS on :443, certificate challenges and a redirect to HTTPS on :80."
			say "  domains:"
			for d in $DOMAINS; do say "    - \"$d\""; done
		else
			say "  http: \"${HTTP_ADDR:-$DEFAULT_HTTP}\""
		fi
		say "  data_dir: \"$DATA_DIR\""
		if [ -n "$EMAIL" ]; then
			say ""
			say "tls:"
			say "  email: \"$EMAIL\""
		fi
	} >"$TMP_CONF"
	chmod 0640 "$TMP_CONF"
	set_owner "0:$GROUP_ID" "$TMP_CONF"
	mv -f "$TMP_CONF" "$ROOT$CONF_FILE"
	TMP_CONF=
	NEW_CONFIG=1
	say "Wrote $CONF_FILE."
fi

# 5. The unit, rewritten on every run so upgrades get its changes.
mkdir -p "$ROOT$UNIT_DIR"
TMP_UNIT=$(mktemp "$ROOT$UNIT_DIR/.takeone.service.XXXXXX")
cat >"$TMP_UNIT" <<EOF
# Written by install.sh, which rewrites it on every run (upgrade).
# Put local changes in a drop-in instead: systemctl edit takeone
[Unit]
Description=Takeone one-way video interview server
After=network-online.target
Wants=network-online.target

[Service]
Type=simple
User=$ACCOUNT
Group=$ACCOUNT
ExecStart=$BIN_PATH serve --config $CONF_FILE
WorkingDirectory=$DATA_DIR
StateDirectory=takeone
StateDirectoryMode=0750
ReadWritePaths=$DATA_DIR
Restart=on-failure
RestartSec=5
# The server flushes recordings in progress on stop.
TimeoutStopSec=30
LimitNOFILE=65536

# Ports 80 and 443 without running as root.
AmbientCapabilities=CAP_NET_BIND_SERVICE
CapabilityBoundingSet=CAP_NET_BIND_SERVICE
NoNewPrivileges=yes
ProtectSystem=strict
ProtectHome=yes
PrivateTmp=yes
PrivateDevices=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectControlGroups=yes
RestrictSUIDSGID=yes
LockPersonality=yes
RestrictNamespaces=yes

[Install]
WantedBy=multi-user.target
EOF
chmod 0644 "$TMP_UNIT"
set_owner 0:0 "$TMP_UNIT"
mv -f "$TMP_UNIT" "$ROOT$UNIT_FILE"
TMP_UNIT=
say "Wrote $UNIT_FILE."

# 5b. Room for bursts of media on the one UDP socket (Debian's default buffer overflows with dozens of takes).
current=$(cat /proc/sys/net/core/rmem_max 2>/dev/null || echo 0)
if [ -n "$ROOT" ] || [ "$current" -lt "$RMEM_MAX" ]; then
	mkdir -p "$ROOT/etc/sysctl.d"
	printf '%s\n%s\n' "# Written by install.sh: Takeone receives all media on one UDP socket with a 4 MiB buffer." \
		"net.core.rmem_max = $RMEM_MAX" >"$ROOT$SYSCTL_FILE"
	if [ -z "$ROOT" ] && have sysctl; then
		sysctl -q -p "$SYSCTL_FILE" >/dev/null 2>&1 || warn "could not apply $SYSCTL_FILE now; it applies at the next boot"
	fi
	say "Wrote $SYSCTL_FILE (net.core.rmem_max = $RMEM_MAX)."
fi

# 6. Enable, and (re)start unless told not to.
STARTED=0
if [ -n "$ROOT" ]; then
	enable_unit
	say "Enabled $SERVICE under $ROOT; not started (--root never starts anything)."
elif ! systemd_running; then
	enable_unit
	warn "systemd is not running on this machine (container or chroot?): $SERVICE is enabled but was not started"
else
	systemctl daemon-reload
	enable_unit
	if [ "$NO_START" = 1 ]; then
		say "Enabled $SERVICE; not started (--no-start)."
		if [ "$UPGRADE" = 1 ]; then say "A running server keeps the old binary until: systemctl restart takeone"; fi
	else
		say "Restarting $SERVICE ..."
		if ! systemctl restart "$SERVICE" || ! wait_active; then
			show_service
			die "$SERVICE did not start; see the status and log above" \
				"fix the cause (often the config: $CONF_FILE), then: systemctl restart takeone" \
				"full log: journalctl -u takeone"
		fi
		STARTED=1
		show_service
	fi
fi

# 7. Summary.
say ""
say "Takeone is installed${ROOT:+ under $ROOT}."
say "  binary:  $BIN_PATH ($VERSION)"
if [ "$NEW_CONFIG" = 1 ]; then
	say "  config:  $CONF_FILE (new)"
else
	say "  config:  $CONF_FILE (kept as it was)"
fi
say "  data:    $DATA_DIR"
if [ "$STARTED" = 1 ]; then
	say "  service: $SERVICE (enabled, running)"
else
	say "  service: $SERVICE (enabled, not started)"
fi
if [ "$NEW_CONFIG" = 0 ]; then
	say "Ports to open: 80/tcp, 443/tcp and 443/udp if server.domains is set in the config;"
	say "otherwise the server.http port, over TCP and UDP (WebRTC media uses the same number)."
elif [ -n "$DOMAINS" ]; then
	say "Ports to open: 80/tcp (certificates, redirect), 443/tcp (HTTPS), 443/udp (WebRTC media)."
	say "Point the DNS of $(printf '%s' "$DOMAINS" | sed 's/ /, /g') at this server so certificates can be issued."
else
	addr=${HTTP_ADDR:-$DEFAULT_HTTP}
	port=${addr##*:}
	case ${addr%:*} in
	127.* | localhost | "[::1]")
		say "Listening on $addr (this machine only): put a reverse proxy in front; open ${port}/udp for WebRTC media."
		;;
	*)
		say "Ports to open: ${port}/tcp (HTTP) and ${port}/udp (WebRTC media)."
		;;
	esac
fi
say "The link that creates the first admin account is in the service log: journalctl -u takeone"
if [ -n "$ROOT" ]; then
	say "It starts when the system under $ROOT boots (or there: systemctl start takeone)."
elif [ "$STARTED" = 0 ] && ! systemd_running; then
	say "It starts at the next boot with systemd."
elif [ "$STARTED" = 0 ]; then
	say "Start it with: systemctl start takeone"
fi
