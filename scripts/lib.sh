# Sourced by the scripts in this folder (not run by itself):
#   . "$(dirname "$0")/lib.sh"
#   usage_unless 2 "$@"

# Print the calling script's usage (its header comment, after the #! line) and exit 2 unless at
# least MIN arguments were given.
usage_unless() {  # MIN "$@"
    local min="$1"
    shift
    if [ $# -lt "${min}" ]; then
        awk 'NR > 1 && /^#/ { print; next } NR > 1 { exit }' "$0" >&2
        exit 2
    fi
}
