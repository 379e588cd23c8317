# bash completion for lmkv(1).
# Install: copy to /usr/share/bash-completion/completions/lmkv (or source it).
# Completes commands, each command's options, directories for --db and
# compact's DEST, and tree names for --tree (asked of the database named by
# --db on the command line, $LMKV_DB or ./.lmkv, read-only).

_lmkv_db_args()
{
    # Echo "--db DIR" if the command line names a database.
    local i
    for ((i = 1; i < COMP_CWORD; i++)); do
        case ${COMP_WORDS[i]} in
            --db) [[ -n ${COMP_WORDS[i+1]:-} ]] && printf -- '--db\n%s\n' "${COMP_WORDS[i+1]}"; return ;;
            --db=*) printf -- '--db\n%s\n' "${COMP_WORDS[i]#--db=}"; return ;;
        esac
    done
}

_lmkv()
{
    local cur prev words cword
    if declare -F _init_completion >/dev/null 2>&1; then
        _init_completion -n = || return
    else
        cur=${COMP_WORDS[COMP_CWORD]}
        prev=${COMP_WORDS[COMP_CWORD-1]}
        words=("${COMP_WORDS[@]}")
        cword=$COMP_CWORD
    fi

    local commands="stat trees get insert remove scan dump checksum verify compact export watch current gc index query diff help"
    local global="--db --json --hex --quiet -q --help -h --version -V"

    # Find the command word (first word that is not an option or --db's argument).
    local i cmd= skip=0
    for ((i = 1; i < cword; i++)); do
        if ((skip)); then skip=0; continue; fi
        case ${words[i]} in
            --db) skip=1 ;;
            -*) ;;
            *) cmd=${words[i]}; break ;;
        esac
    done

    case $prev in
        --db)
            COMPREPLY=($(compgen -d -- "$cur")); return ;;
        --tree)
            local -a dbargs
            mapfile -t dbargs < <(_lmkv_db_args)
            local IFS=$'\n'
            COMPREPLY=($(compgen -W "$(lmkv "${dbargs[@]}" -q trees 2>/dev/null)" -- "$cur"))
            return ;;
        --limit|--count|--timeout|--interval|--prefix|--from|--to|--workspace|--depth|--max-results)
            return ;;
    esac

    if [[ -z $cmd ]]; then
        if [[ $cur == -* ]]; then
            COMPREPLY=($(compgen -W "$global" -- "$cur"))
        else
            COMPREPLY=($(compgen -W "$commands" -- "$cur"))
        fi
        return
    fi

    local common="--db --json --hex --quiet --help"
    local opts=
    case $cmd in
        stat)     opts="--tree" ;;
        trees)    opts="--system" ;;
        get)      opts="--tree --system" ;;
        insert)   opts="--tree --system --value-hex" ;;
        remove)   opts="--tree --system" ;;
        scan)     opts="--tree --system --prefix --from --to --reverse --limit --keys-only" ;;
        dump)     opts="--tree --system --raw" ;;
        checksum) opts="--tree" ;;
        verify)   opts="--max-errors" ;;
        compact)  opts="--force"
                  if [[ $cur != -* ]]; then COMPREPLY=($(compgen -d -- "$cur")); return; fi ;;
        watch)    opts="--tree --system --count --timeout --interval" ;;
        help)     COMPREPLY=($(compgen -W "$commands" -- "$cur")); return ;;
        export)   if [[ $cur != -* ]]; then COMPREPLY=($(compgen -f -- "$cur")); return; fi ;;
        index)    opts="--workspace"
                  if [[ $cur != -* ]]; then COMPREPLY=($(compgen -f -- "$cur")); return; fi ;;
        current|diff|gc) opts="--workspace" ;;
        query)    opts="--workspace --limit --depth"
                  if [[ $cur != -* ]] && ((cword == i + 1)); then
                      COMPREPLY=($(compgen -W "symbol callers callees refs paths impact cycles hierarchy dead hotspots deps" -- "$cur"))
                      return
                  fi ;;
    esac
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$opts $common" -- "$cur"))
    fi
}
complete -F _lmkv lmkv
