# Pilothouse's CLI without a JVM, run by bin/pilothouse: hands an engine command to the engine
# that serves the data dir and relays its output, stdin and exit code, as the JVM client does
# (dev.pilothouse.host.CommandClient; the protocol is dev.pilothouse.host.Frames, in the form it
# takes for a shell: frame headers as lines of text, since `read` cannot read a zero byte). A JVM
# takes ~0.2 s to start; this takes milliseconds.
#
# What it cannot do exactly as the JVM client would, it leaves to the JVM client by running the
# launcher again with PILOTHOUSE_CLIENT=java: no engine serving the data dir (the JVM client starts
# one), an engine of another build, a command the engine says runs in the CLI's own process
# (help, version, `engine`, `store`, `serve`), any refusal, a value it cannot fingerprint as Java
# would. It never does so once the engine has begun the command: a command never runs twice.
#
# Arguments: the launcher, this launcher's build (lib/handoff.build), then the command's own.
# Linux only (GNU head reads exactly the bytes it is asked for from a socket).

# whatever an exported SHELLOPTS turned on: tracing would print the data dir's secret
set +o errexit +o nounset +o xtrace +o pipefail
launcher=$1
build=$2
shift 2
[[ $OSTYPE == linux* ]] || PILOTHOUSE_CLIENT=java exec "$launcher" "$@"

# the caller's locale, given back to the JVM client; this script counts and moves bytes
if [ "${LC_ALL+set}" = set ]; then caller_lc_all=$LC_ALL; else unset caller_lc_all; fi
LC_ALL=C

java_client() {
  exec 3>&-
  if [ "${caller_lc_all+set}" = set ]; then export LC_ALL=$caller_lc_all; else unset LC_ALL; fi
  PILOTHOUSE_CLIENT=java exec "$launcher" "$@"
}

blank() { [[ -z ${1//[[:space:]]/} ]]; }

# the data dir, as dev.pilothouse.engine.DataDirs resolves it: --data-dir (its first use), else
# PILOTHOUSE_HOME, else XDG_DATA_HOME/pilothouse, else ~/.local/share/pilothouse
data_dir=
argv=("$@")
for ((i = 0; i < ${#argv[@]}; i++)); do
  case ${argv[i]} in
    --data-dir) if ((i + 1 < ${#argv[@]})); then data_dir=${argv[i + 1]}; break; fi ;;
    --data-dir=*) data_dir=${argv[i]#--data-dir=}; break ;;
  esac
done
if blank "$data_dir"; then
  if [ -n "${PILOTHOUSE_HOME:-}" ] && ! blank "$PILOTHOUSE_HOME"; then
    data_dir=$PILOTHOUSE_HOME
  elif [[ ${XDG_DATA_HOME:-} == /* ]] && ! blank "$XDG_DATA_HOME"; then
    data_dir=$XDG_DATA_HOME/pilothouse
  elif [[ ${HOME:-} == /* ]]; then
    data_dir=$HOME/.local/share/pilothouse
  else
    java_client "$@"
  fi
fi
cd -P . 2>/dev/null || java_client "$@"
cwd=$PWD
[[ $data_dir == /* ]] || data_dir=$cwd/$data_dir

# the engine that serves it: engine.endpoint (Java properties, written by the engine)
pid= port= engine_build=
while IFS='=' read -r key value; do
  case $key in
    pid) pid=$value ;;
    port) port=$value ;;
    build) engine_build=$value ;;
  esac
done 2>/dev/null < "$data_dir/engine.endpoint"
[[ $pid =~ ^[0-9]+$ && $port =~ ^[0-9]+$ ]] || java_client "$@"
[ "$engine_build" = "$build" ] || java_client "$@"
kill -0 "$pid" 2>/dev/null || java_client "$@"
secret=
read -r secret 2>/dev/null < "$data_dir/engine.secret"
[ -n "$secret" ] || java_client "$@"

# the environment's fingerprint (dev.pilothouse.host.Environment): name=digest of each variable that
# changes what the engine does; RELEVANT must stay the same pattern as Environment's (FrameSenderTest)
RELEVANT='^(KUBECONFIG|HTTPS?_PROXY|NO_PROXY|https?_proxy|no_proxy|OLLAMA_HOST|(OPENAI|ANTHROPIC|AZURE_OPENAI|GEMINI|GOOGLE|MISTRAL|GROQ|HF)_[A-Z0-9_]*|[A-Z0-9_]*(_API_KEY|_TOKEN|_SECRET|_BASE_URL))$'
# (every variable name, by its first character, without a subshell: exported ones count)
fingerprint=$build$'\n'
for name in ${!A*} ${!B*} ${!C*} ${!D*} ${!E*} ${!F*} ${!G*} ${!H*} ${!I*} ${!J*} ${!K*} ${!L*} ${!M*} \
    ${!N*} ${!O*} ${!P*} ${!Q*} ${!R*} ${!S*} ${!T*} ${!U*} ${!V*} ${!W*} ${!X*} ${!Y*} ${!Z*} ${!_*} ${!h*} ${!n*}; do
  [[ $name =~ $RELEVANT && ${!name@a} == *x* ]] || continue
  value=${!name}
  # Java reads values through the locale's charset: past ASCII its digest may differ from this one
  [[ $value == *[$'\x80'-$'\xff']* ]] && java_client "$@"
  digest=$(printf '%s' "$value" | sha256sum)
  fingerprint+=$name=${digest:0:32}$'\n'
done

# the hello: strings as a 4-byte length and their bytes; one write, so that no part waits on another
fmt=
strings=()
# an int as printf escapes of its 4 bytes, big-endian, into $int
int_escapes() {
  printf -v int '\\%03o\\%03o\\%03o\\%03o' $(($1 >> 24 & 255)) $(($1 >> 16 & 255)) $(($1 >> 8 & 255)) $(($1 & 255))
}
add_string() {
  int_escapes ${#1}
  fmt+=$int%s
  strings+=("$1")
}
add_string 'pilothouse-engine/1 shell'
add_string "$secret"
add_string "$fingerprint"
add_string "$cwd"
int_escapes $#
fmt+=$int
for a in "$@"; do add_string "$a"; done

{ exec 3<>"/dev/tcp/127.0.0.1/$port"; } 2>/dev/null || java_client "$@"
# shellcheck disable=SC2059 # the format is built above: escapes for the lengths, %s for each string
printf "$fmt" "${strings[@]}" >&3 || java_client "$@"

broke() {
  printf 'error: the connection to the engine (pid %s) broke while it ran the command (%s); `pilothouse sessions list` shows what was done\n' \
    "$pid" "$1" >&2
  exit 1
}

first=yes
stdin_file=
while true; do
  if ! read -r -u 3 type len form || [[ ! $type =~ ^[0-9]+$ || ! $len =~ ^[0-9]+$ ]]; then
    # an engine running too many commands refuses before it reads the hello, in the binary form
    # (type 5, REFUSED): the JVM client asks again and says so. Anything else may have run.
    [[ $first = yes && $type == $'\x05'* ]] && java_client "$@"
    broke "the engine closed the connection before the command finished"
  fi
  case $type in
    1 | 2)
      # output: text through read (no process started), a payload with a zero byte through head
      if [ "$form" = binary ]; then
        head -c "$len" <&3 >&"$type" || exit
      else
        IFS= read -r -N "$len" -u 3 text
        printf '%s' "$text" >&"$type" || exit
        [ ${#text} = "$len" ] || broke "the engine closed the connection before the command finished"
      fi
      ;;
    3) read -r -N "$len" -u 3 code && exit "$code"; broke "no exit code" ;;
    4)
      # the command reads stdin: one read of up to the bytes asked for, as the JVM client does, sent
      # as one frame in one write (a second, small write would wait for the engine's delayed ACK)
      read -r -N "$len" -u 3 max || broke "no stdin request"
      if [ -z "$stdin_file" ]; then
        stdin_file=$(mktemp "${TMPDIR:-/tmp}/pilothouse-stdin.XXXXXX") || exit 1
        trap 'rm -f "$stdin_file" "$stdin_file.frame"' EXIT
      fi
      dd bs="$max" count=1 status=none of="$stdin_file" 2>/dev/null
      size=$(stat -c %s "$stdin_file")
      int_escapes "$size"
      # shellcheck disable=SC2059
      { printf "\\006$int"; cat "$stdin_file"; } > "$stdin_file.frame"
      cat "$stdin_file.frame" >&3
      ;;
    5) java_client "$@" ;; # refused before it ran: the JVM client asks again and acts on the answer
    *) broke "unexpected frame $type from the engine" ;;
  esac
  first=no
done
