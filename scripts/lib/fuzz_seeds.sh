# Seeds and dictionaries of the libFuzzer targets (tests/fuzz), shared by
# scripts/fuzz (long runs) and tests/fuzz/smoke (the test command's short
# runs). Seeds are written to a directory the caller gives, never into the
# repository: the RFC 4475 messages of the shared conformance corpus
# ($SIPSMITH_CONFORMANCE_DIR, or ../shared/conformance next to the
# repository), literals below, and the hand-written seeds of
# tests/fuzz/seeds/<target>/.
# Usage: source it, then fuzz_make_seeds ROOT DIR; fuzz_dict_for ROOT TARGET.

readonly FUZZ_ALL_TARGETS=(fuzz_datagram fuzz_stream fuzz_uri fuzz_sdp fuzz_dialstring
                           fuzz_event_filter fuzz_wizard fuzz_config fuzz_control)

fuzz_make_seeds() {  # fuzz_make_seeds ROOT DIR: DIR/<target>/ for every target
  local root="$1" TMP_SEEDS="$2"
  local conf dats=() n=0 t f i u d stream_all
  local LC_ALL=C
  seed() {  # seed <target> <printf %b text>: writes one more seed file
    n=$((n + 1))
    printf '%b' "$2" >"$TMP_SEEDS/$1/lit$n"
  }
  for t in "${FUZZ_ALL_TARGETS[@]}"; do mkdir -p "$TMP_SEEDS/$t"; done
  conf="${SIPSMITH_CONFORMANCE_DIR:-$root/../shared/conformance}"
  [[ -f "$conf/MANIFEST.tsv" ]] || conf="$conf/rfc4475"
  if [[ -d "$conf" ]]; then
    shopt -s nullglob
    dats=("$conf"/*.dat)
    shopt -u nullglob
  fi
  if ((${#dats[@]} == 0)); then
    echo "fuzz seeds: warning: no RFC 4475 corpus in $conf; using literal seeds only" >&2
  fi


  # fuzz_datagram: the torture messages as they are, plus two small literals.
  for f in "${dats[@]}"; do cp -- "$f" "$TMP_SEEDS/fuzz_datagram/"; done
  seed fuzz_datagram 'OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:x@y>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: c\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\n\r\n'
  seed fuzz_datagram 'SIP/2.0 200 OK\r\nv: SIP/2.0/TCP [::1]:5061;branch=z9hG4bK2, SIP/2.0/UDP h\r\nf: <sip:x@y>;tag=1\r\nt: <sip:a@b>;tag=2\r\ni: c\r\nCSeq: 1 INVITE\r\nl: 0\r\n\r\n'

  # fuzz_stream: byte 0 = chunk-size count and limits profile, then the sizes,
  # then the stream (see fuzz_stream.cpp). Single messages and one long stream
  # of every message that has a Content-Length, with keep-alives in between.
  stream_all="$TMP_SEEDS/.stream_all"
  : >"$stream_all"
  i=0
  for f in "${dats[@]}"; do
    i=$((i + 1))
    { printf '\x00\xff'; cat -- "$f"; } >"$TMP_SEEDS/fuzz_stream/one$i"
    { printf '\x02\x00\x06\x1f'; cat -- "$f"; } >"$TMP_SEEDS/fuzz_stream/chunked$i"
    if grep -aqiE '^(content-length|l)[[:space:]]*:' -- "$f"; then
      { cat -- "$f"; printf '\r\n\r\n'; } >>"$stream_all"
    fi
  done
  { printf '\x00\xff'; cat -- "$stream_all"; } >"$TMP_SEEDS/fuzz_stream/all_whole"
  { printf '\x1b\x00\x02\x10\x40'; cat -- "$stream_all"; } >"$TMP_SEEDS/fuzz_stream/all_small"
  seed fuzz_stream '\x01\x04\x20\r\n\r\nOPTIONS sip:a@b SIP/2.0\r\nContent-Length: 3\r\n\r\nabc\r\nSIP/2.0 200 OK\r\nl: 0\r\n\r\n'

  # fuzz_uri: request-URIs and <...> URIs of the messages, plus literals.
  i=0
  for f in "${dats[@]}"; do
    {
      head -n 1 -- "$f" | tr -d '\r' | awk '$1 !~ /^SIP\// && NF >= 2 { print $2 }'
      grep -aoE '<[^<> 	]+>' -- "$f" | sed 's/^<//; s/>$//' || true
    } | while IFS= read -r u; do
      [[ -n "$u" ]] || continue
      i=$((i + 1))
      printf '%s' "$u" >"$TMP_SEEDS/fuzz_uri/$(basename -- "$f" .dat)_$i"
    done
  done
  for u in 'sip:alice@example.com' 'sips:bob:secret@[2001:db8::1]:5061;transport=tls;lr?subject=hi&x=%41' \
           'sip:+1-555-0100;phone-context=example.com@192.0.2.1;user=phone' 'SIP:%61lice@EXAMPLE.com;maddr=239.1.1.1;ttl=15' \
           'tel:+1-201-555-0123;ext=42' 'urn:service:sos' 'sip:[::ffff:192.0.2.1]' 'sip:a%00b@h:65535;method=INVITE'; do
    seed fuzz_uri "$u"
  done

  # fuzz_sdp: bodies of the messages that carry SDP, plus literals.
  i=0
  for f in "${dats[@]}"; do
    grep -aq 'v=0' -- "$f" || continue
    i=$((i + 1))
    sed -n '/^\r\{0,1\}$/,$p' -- "$f" | tail -n +2 >"$TMP_SEEDS/fuzz_sdp/body$i"
    sed -n '/^v=0/,$p' -- "$f" >"$TMP_SEEDS/fuzz_sdp/from_v$i"
  done
  seed fuzz_sdp 'v=0\r\no=alice 2890844526 2890844526 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\nm=audio 49170 RTP/AVP 0 8\r\na=rtpmap:0 PCMU/8000\r\na=rtcp:53020 IN IP4 10.0.0.1\r\na=sendrecv\r\n'
  seed fuzz_sdp 'v=0\no=- 1 2 IN IP6 2001:db8::1\ns=call\ni=info\nu=http://x\ne=a@b\np=+1\nb=AS:64\nt=0 0\nr=7d 1h 0 25h\nz=0 -1h\nk=clear:x\na=group:BUNDLE 0\nm=video 0/2 UDP/TLS/RTP/SAVPF 96\nc=IN IP6 ::\nb=TIAS:1\na=mid:0\nx=unknown\n'
  seed fuzz_sdp 'v=0\r\no=- 0 0 IN IP4 224.2.1.1\r\ns= \r\nc=IN IP4 224.2.1.1/127/3\r\nt=0 0\r\nm=audio 0 RTP/AVP 0\r\n'

  # fuzz_dialstring: dial strings of the reference's shapes.
  for d in '123@provider1&456@provider2[dt=5]|789@provider3' '${dst:2}@gw[cd=60,ma=false,tr=p,rm=n]' \
           'sip:1@[2001:db8::1]:5060[dt=5]&[::1]' 'u,p,sip:1@h,from,sock,true' '300@blueface[fu=anon]' \
           '<sip:a&b@h>[fd="x, y]"]|music@iptel.org'; do
    seed fuzz_dialstring "$d"
  done
  # The hand-written seeds of the targets whose inputs are not SIP.
  for t in "${FUZZ_ALL_TARGETS[@]}"; do
    [[ -d "$root/tests/fuzz/seeds/$t" ]] && cp -- "$root/tests/fuzz/seeds/$t"/* "$TMP_SEEDS/$t/"
  done
  rm -f -- "$stream_all"
  return 0
}

fuzz_dict_for() {  # fuzz_dict_for ROOT TARGET: the dictionary file, or nothing
  case "$2" in
    fuzz_uri) echo "$1/tests/fuzz/uri.dict" ;;
    fuzz_sdp) echo "$1/tests/fuzz/sdp.dict" ;;
    fuzz_dialstring) echo "$1/tests/fuzz/dialstring.dict" ;;
    fuzz_datagram | fuzz_stream) echo "$1/tests/fuzz/sip.dict" ;;
    *) ;;
  esac
}
