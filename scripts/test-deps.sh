#!/bin/sh
# Installs what the tests need and the machine lacks: Chromium and Firefox ESR (browser tests), WebKitGTK's
# MiniBrowser with WebKitWebDriver, Xvfb and the GStreamer plugins its camera and MediaRecorder use (the browser
# test without WebRTC), PulseAudio (an audio output for headless Firefox, whose AudioContext stays suspended
# without one), ip and iptables (the browser tests on bad networks, in network namespaces), ffmpeg (media
# checks), and for install.sh's tests shellcheck, curl, wget and useradd. Debian's packages; runs apt only when
# something is missing.
set -eu

# has_file PATH...: true when one of the paths (a glob's matches) exists
has_file() {
	for f in "$@"; do
		[ -e "$f" ] && return 0
	done
	return 1
}

missing=""
command -v chromium >/dev/null 2>&1 || missing="$missing chromium"
command -v firefox-esr >/dev/null 2>&1 || missing="$missing firefox-esr"
command -v WebKitWebDriver >/dev/null 2>&1 || missing="$missing webkit2gtk-driver"
has_file /usr/lib/*-linux-gnu/webkit2gtk-4.1/MiniBrowser || missing="$missing libwebkit2gtk-4.1-0"
command -v Xvfb >/dev/null 2>&1 || missing="$missing xvfb"
# what MediaRecorder records VP8/Opus WebM with and the page plays it back with: vpx and matroska in -good, opus in -base
has_file /usr/lib/*-linux-gnu/gstreamer-1.0/libgstvpx.so || missing="$missing gstreamer1.0-plugins-good"
has_file /usr/lib/*-linux-gnu/gstreamer-1.0/libgstopus.so || missing="$missing gstreamer1.0-plugins-base"
command -v pulseaudio >/dev/null 2>&1 || missing="$missing pulseaudio"
PATH="$PATH:/usr/sbin:/sbin"
command -v ip >/dev/null 2>&1 || missing="$missing iproute2"
command -v iptables >/dev/null 2>&1 || missing="$missing iptables"
command -v ffmpeg >/dev/null 2>&1 || missing="$missing ffmpeg"
command -v shellcheck >/dev/null 2>&1 || missing="$missing shellcheck"
command -v curl >/dev/null 2>&1 || missing="$missing curl"
command -v wget >/dev/null 2>&1 || missing="$missing wget"
command -v useradd >/dev/null 2>&1 || missing="$missing passwd"

if [ -n "$missing" ]; then
	sudo=""
	[ "$(id -u)" -eq 0 ] || sudo="sudo"
	echo "test-deps: installing$missing"
	$sudo apt-get update -qq
	# shellcheck disable=SC2086 # the list is meant to split
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

command -v node >/dev/null 2>&1 || { echo "test-deps: Node.js 20 or newer is needed for the UI checks (apt-get install nodejs npm)" >&2; exit 1; }
echo "test-deps: chromium, firefox-esr, WebKitWebDriver, MiniBrowser, Xvfb, pulseaudio, ip, iptables, ffmpeg, shellcheck and node are present"
