# Shared by run-short and long-run: build once, then run the libFuzzer binaries directly
# (one process at a time, nice'd; no -jobs/-workers, so exactly one fuzzing process runs).
FUZZ_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TARGETS_ALL=(basic_header token_form redirect_uri clever_json seed_file admin_json)
TRIPLE=$(rustc -vV | sed -n 's/^host: //p')
BIN_DIR="$FUZZ_DIR/target/$TRIPLE/release"

build_targets() {
    # -s none: no sanitizer, so stable Rust is enough (cargo-fuzz still adds libFuzzer's
    # coverage instrumentation). Debug assertions stay on (see Cargo.toml's profile).
    (cd "$FUZZ_DIR" && nice -n 10 cargo fuzz build -s none --release "$@")
}

# run_target NAME [libFuzzer flags...]: fuzzes NAME from its committed seeds, keeping what it
# finds in corpus-run/NAME (not committed); prints libFuzzer's output; exit status 0 = no crash.
run_target() {
    local name=$1
    shift
    mkdir -p "$FUZZ_DIR/corpus-run/$name" "$FUZZ_DIR/artifacts/$name"
    nice -n 10 "$BIN_DIR/$name" \
        -dict="$FUZZ_DIR/dict/$name.dict" \
        -artifact_prefix="$FUZZ_DIR/artifacts/$name/" \
        -max_len=4096 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        "$@" \
        "$FUZZ_DIR/corpus-run/$name" "$FUZZ_DIR/corpus/$name"
}

# stat NAME FILE: a final stat libFuzzer printed (number_of_executed_units, average_exec_per_sec).
stat() { sed -n "s/^stat::$1: *//p" "$2" | tail -n 1; }
