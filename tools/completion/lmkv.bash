# bash completion for lmkv(1).
# Install: copy to /usr/share/bash-completion/completions/lmkv (or source it).
# Commands and each command's options are read from the lmkv being completed
# (`lmkv --help`, `lmkv COMMAND --help`), so they always match the binary.
# Also completes directories for --db and compact's DEST, files for export
# and index, query kinds, and tree names for --tree (asked read-only of the
# database named on the command line, $LMKV_DB or ./.lmkv; system trees
# after --system).

_lmkv_bin()
{
    # The lmkv being completed: the command word, expanded (~/bin/lmkv...).
    local b=${COMP_WORDS[0]}
    b=${b/#\~/$HOME}
    printf '%s' "$b"
}

_lmkv_db_args()
{
    # Print "--db" and DIR (two lines) if the command line names a database.
    local i
    for ((i = 1; i < COMP_CWORD; i++)); do
        case ${COMP_WORDS[i]} in
            --db) [[ -n ${COMP_WORDS[i+1]:-} ]] && printf -- '--db\n%s\n' "${COMP_WORDS[i+1]}"; return ;;
            --db=*) printf -- '--db\n%s\n' "${COMP_WORDS[i]#--db=}"; return ;;
        esac
    done
}

_lmkv_commands()
{
    local out
    out=$("$(_lmkv_bin)" --help 2>/dev/null | awk '/^Commands:/ {on=1; next} on && /^  [a-z]/ {print $1} on && /^$/ {on=0}')
    [[ -n $out ]] || out="stat trees get insert remove scan dump checksum verify compact export watch current gc index ingest query diff"
    printf '%s help' "$out"
}

_lmkv()
{
    local cur prev words cword
    if declare -F _init_completion >/dev/null 2>&1; then
        _init_completion -n = || return
    else
        cur=${COMP_WORDS[COMP_CWORD]}
        prev=${COMP_WORDS[COMP_CWORD-1]:-}
        words=("${COMP_WORDS[@]}")
        cword=$COMP_CWORD
    fi
    local lmkv; lmkv=$(_lmkv_bin)

    # The command word: the first word that is neither an option nor --db's argument.
    local i cmd= cmdi=0 skip=0
    for ((i = 1; i < cword; i++)); do
        if ((skip)); then skip=0; continue; fi
        case ${words[i]} in
            --db) skip=1 ;;
            -*) ;;
            *) cmd=${words[i]}; cmdi=$i; break ;;
        esac
    done

    case $prev in
        --db)
            COMPREPLY=($(compgen -d -- "$cur")); return ;;
        --tree)
            local -a dbargs sys=()
            mapfile -t dbargs < <(_lmkv_db_args)
            for ((i = 1; i < cword; i++)); do [[ ${words[i]} == --system ]] && sys=(--system); done
            local IFS=$'\n'
            COMPREPLY=($(compgen -W "$("$lmkv" "${dbargs[@]}" -q trees "${sys[@]}" 2>/dev/null)" -- "$cur"))
            return ;;
        --workspace)
            COMPREPLY=($(compgen -d -- "$cur")); return ;;
        --tree-hex|--limit|--count|--timeout|--interval|--prefix|--from|--to|--max-errors|--max-age|--batch|--depth)
            return ;;
    esac

    if [[ -z $cmd ]]; then
        if [[ $cur == -* ]]; then
            COMPREPLY=($(compgen -W "--db --json --hex --quiet -q --help -h --version -V" -- "$cur"))
        else
            COMPREPLY=($(compgen -W "$(_lmkv_commands)" -- "$cur"))
        fi
        return
    fi

    if [[ $cur == -* ]]; then
        local opts
        opts=$("$lmkv" "$cmd" --help 2>/dev/null | grep -oE -- '--[a-z][a-z-]*' | sort -u)
        COMPREPLY=($(compgen -W "$opts" -- "$cur"))
        return
    fi
    case $cmd in
        help)     COMPREPLY=($(compgen -W "$(_lmkv_commands)" -- "$cur")) ;;
        compact)  COMPREPLY=($(compgen -d -- "$cur")) ;;
        export|index|ingest) COMPREPLY=($(compgen -f -- "$cur")) ;;
        query)
            if ((cword == cmdi + 1)); then
                local kinds
                kinds=$("$lmkv" query --help 2>/dev/null | awk '/^KIND is one of/ {on=1; next} on && /^$/ {exit} on && /^  [a-z]/ {print $1}')
                COMPREPLY=($(compgen -W "$kinds" -- "$cur"))
            fi ;;
    esac
}
complete -F _lmkv lmkv
