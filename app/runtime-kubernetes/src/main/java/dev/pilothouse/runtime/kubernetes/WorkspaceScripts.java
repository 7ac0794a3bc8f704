package dev.pilothouse.runtime.kubernetes;

/**
 * The POSIX shell scripts {@link PodWorkspaceFiles} runs in a pod (dash, bash or busybox ash;
 * coreutils or busybox). $1 is always the volume's mount path, $2 a path relative to it ("" for
 * the workspace itself); names travel as arguments, never inside a script. Every path is resolved
 * with {@code readlink -f} and must stay inside the mount. A refusal exits with one of the codes
 * below, the relative path it is about last on stderr after a NUL (a tool may have said more before).
 */
final class WorkspaceScripts {
    static final int NO_WORKSPACE = 70;
    static final int NOT_FOUND = 71;
    static final int LEADS_OUT = 72;
    static final int NOT_A_FOLDER = 73;
    static final int IS_A_FOLDER = 74;
    static final int NOT_REGULAR = 75;
    static final int WRITE_TO_FOLDER = 76;
    static final int SHORT_INPUT = 78;
    static final int CHANGED = 79;
    static final int UPLOAD_LEADS_OUT = 80;
    static final int NOT_RECURSIVE = 82;

    private WorkspaceScripts() {
    }

    /** Functions every script starts with. */
    private static final String PRELUDE = """
            root=$(readlink -f "$1") && [ -d "$root" ] || { printf '\\0%s' "$1" >&2; exit 70; }
            fail() { printf '\\0%s' "$2" >&2; exit "$1"; }
            inside() { case "$1" in "$root"|"$root"/*) return 0;; esac; return 1; }
            confined() {
              p="$root${1:+/$1}"
              [ -e "$p" ] || fail 71 "$1"
              real=$(readlink -f "$p") || fail 71 "$1"
              inside "$real" || fail 72 "$1"
            }
            dirfor() { confined "$1"; [ -d "$real" ] || fail 73 "$1"; }
            entry() {
              stat -c '%f %s %Y' "$1" || exit 79
              if [ -L "$1" ]; then readlink "$1"; fi; printf '\\0'
            }
            mkparents() {
              d=$root; rest=${1:+$1/}; sofar=
              while [ -n "$rest" ]; do
                part=${rest%%/*}; rest=${rest#*/}; sofar=${sofar:+$sofar/}$part
                if [ ! -e "$d/$part" ] && [ ! -L "$d/$part" ]; then mkdir "$d/$part" || exit 1; fi
                d=$(readlink -f "$d/$part") || fail 71 "$sofar"
                inside "$d" || fail 72 "$1"
                [ -d "$d" ] || fail 73 "$sofar"
              done
            }
            """;

    /** Whether tar (and gzip, which GNU tar runs for z) can be used: prints "tar" if so. */
    static final String HAS_TAR = "command -v tar >/dev/null 2>&1 && command -v gzip >/dev/null 2>&1 && echo tar; exit 0";

    /** $2 the entry itself (not followed), "" for the workspace: one stat line, a link's target, NUL. */
    static final String STAT = PRELUDE + """
            if [ -z "$2" ]; then confined ""; entry "$real"; exit 0; fi
            dirfor "$3"
            e="$real/$4"
            [ -e "$e" ] || [ -L "$e" ] || fail 71 "$2"
            entry "$e"
            """;

    /**
     * $2 a folder: per entry its name and NUL, its stat line, a link's target (with readlink's
     * newline) and NUL; an entry gone meanwhile is left out. One pass, one stat per entry.
     */
    static final String LIST = PRELUDE + """
            dirfor "$2"
            cd "$real" || fail 71 "$2"
            for f in * .[!.]* ..?*; do
              if [ -e "$f" ] || [ -L "$f" ]; then
                s=$(stat -c '%f %s %Y' "./$f") || continue
                printf '%s\\0%s\\n' "$f" "$s"
                if [ -L "$f" ]; then readlink "./$f"; fi; printf '\\0'
              fi
            done
            """;

    /** Checks that $2 is a regular file; $real is it. */
    private static final String REGULAR = PRELUDE + """
            confined "$2"
            [ -d "$real" ] && fail 74 "$2"
            [ -f "$real" ] || fail 75 "$2"
            """;

    /** $3 bytes of $2 from offset $4 (counted from 1). */
    static final String READ = REGULAR + """
            tail -c +"$4" "$real" | head -c "$3"
            """;

    static final String CAT = REGULAR + """
            cat "$real"
            """;

    /** A gzip'd tar of $2: a folder's contents as ./..., a file as its bare name (the caller renames them). */
    static final String TAR = PRELUDE + """
            confined "$2"
            if [ -d "$real" ]; then cd "$real" && tar czf - .
            else cd "${real%/*}/" && tar czf - -- "${real##*/}"; fi
            """;

    /**
     * $2 without tar, as a stream: per entry a kind (R the file asked for, D, F, L), its path, NUL,
     * then "MODE MTIME" and a file's bytes in base64 ending with a line ".", or a link's target and NUL.
     */
    static final String WALK = PRELUDE + """
            walk() {
              for f in "$1"* "$1".[!.]* "$1"..?*; do
                if [ -L "$f" ]; then printf 'L%s\\0' "$f"; readlink "./$f"; printf '\\0'
                elif [ -d "$f" ]; then printf 'D%s\\0' "$f"; stat -c '%a %Y' "./$f" || exit 79; walk "$f/"
                elif [ -f "$f" ]; then printf 'F%s\\0' "$f"; stat -c '%a %Y' "./$f" || exit 79
                  base64 "./$f" || exit 79; printf '.\\n'
                fi
              done
            }
            confined "$2"
            if [ -d "$real" ]; then cd "$real" || exit 79; printf 'D\\0'; stat -c '%a %Y' . ; walk ""
            else cd "${real%/*}/" || exit 79; f=${real##*/}; printf 'R\\0'; stat -c '%a %Y' "./$f"
              base64 "./$f" || exit 79; printf '.\\n'; fi
            """;

    /**
     * Stores $5 bytes of input as $4 in folder $3 (created), through a staging name $6; $2 the
     * file's path. Prints the new entry.
     */
    static final String WRITE = PRELUDE + """
            mkparents "$3"
            t="$d/$4"
            if [ -d "$t" ] && [ ! -L "$t" ]; then fail 76 "$2"; fi
            s="$d/$6"
            trap 'rm -f "$s"' EXIT
            head -c "$5" > "$s" || exit 1
            [ "$(($(wc -c < "$s")))" -eq "$5" ] || fail 78 "$2"
            # a link is replaced, never followed: mv onto a link to a folder would move into that folder
            if [ -L "$t" ]; then rm -f "$t" || exit 1; fi
            mv -f "$s" "$t" || exit 1
            trap - EXIT
            entry "$t"
            """;

    /** Moves what staging $1 holds into folder $2 (its path $3): folders merged, files and links replaced. */
    private static final String MERGE = """
            merge() {
              for c in "$1"/* "$1"/.[!.]* "$1"/..?*; do
                [ -e "$c" ] || [ -L "$c" ] || continue
                n=${c##*/}; t="$2/$n"; at="$3${3:+/}$n"
                if [ -d "$c" ] && [ ! -L "$c" ] && [ -d "$t" ]; then
                  r=$(readlink -f "$t") && inside "$r" || fail 80 "$at"
                  merge "$c" "$r" "$at"
                else
                  if [ -d "$t" ] && [ ! -L "$t" ]; then rm -rf "$t" || exit 1
                  elif [ -e "$t" ] || [ -L "$t" ]; then rm -f "$t" || exit 1; fi
                  mv "$c" "$t" || exit 1
                fi
              done
            }
            """;

    /** Unpacks $4 bytes of gzip'd tar from the input into folder $2 (created), through staging folder $3. */
    static final String UNTAR = PRELUDE + MERGE + """
            mkparents "$2"
            s="$d/$3"
            trap 'rm -rf "$s"' EXIT
            mkdir "$s" || exit 1
            head -c "$4" | tar xzf - -C "$s" || exit 1
            merge "$s" "$d" "$2"
            """;

    /** Creates staging folder $3 in folder $2 (created) for an upload without tar. */
    static final String STAGE = PRELUDE + """
            mkparents "$2"
            mkdir "$d/$3" || exit 1
            """;

    /**
     * One entry of an upload without tar into staging folder $3 (a path from the workspace; $2 the
     * folder uploaded to): $4 its path in there, $5 its kind (D, F with $6 bytes of input, L to $6).
     */
    static final String PUT = PRELUDE + """
            confined "$3"
            t="$real/$4"
            mkdir -p "${t%/*}" || exit 1
            case "$5" in
              D) mkdir -p "$t" ;;
              F) head -c "$6" > "$t" && [ "$(($(wc -c < "$t")))" -eq "$6" ] || fail 78 "$4" ;;
              L) ln -s -- "$6" "$t" ;;
            esac
            """;

    /** Merges staging folder $3 (in folder $2) into $2, then removes it. */
    static final String UNSTAGE = PRELUDE + MERGE + """
            dirfor "$2"
            s="$real/$3"
            trap 'rm -rf "$s"' EXIT
            merge "$s" "$real" "$2"
            """;

    /** Removes staging folder $3 of folder $2, if there. */
    static final String DISCARD = PRELUDE + """
            confined "$2"
            case "$3" in .pilothouse-upload-*) rm -rf "$real/$3" ;; esac
            """;

    /** Removes $4 in folder $3 ($2 its path), a folder only when $5 is 1; prints how many entries went. */
    static final String DELETE = PRELUDE + """
            dirfor "$3"
            t="$real/$4"
            [ -e "$t" ] || [ -L "$t" ] || fail 71 "$2"
            if [ -d "$t" ] && [ ! -L "$t" ]; then
              [ "$5" = 1 ] || fail 82 "$2"
              n=$(find "$t" -print0 | tr -dc '\\000' | wc -c)
              rm -rf "$t" || exit 1
              echo $((n))
            else
              rm -f "$t" || exit 1
              echo 1
            fi
            """;
}
