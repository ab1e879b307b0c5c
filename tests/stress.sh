#!/usr/bin/env bash
# The long runs behind README's "Safety" figures (not part of `cargo test`'s
# default run; each takes a few minutes on 2 cores):
#   - 1,000 SIGKILLs at random instants of random transitions on a
#     200-ticket tree (TIX_KILLS=N for more, TIX_SEED=S to replay one run);
#   - 100 parallel writers, ten rounds;
#   - `tix doctor --fix` killed in 100 rounds of repairs (TIX_DOCTOR_KILLS=N).
set -euo pipefail
cd "$(dirname "$0")/.."
TIX_KILLS="${TIX_KILLS:-1000}" cargo test --release --locked --test integration \
  crash::killed_at_random_instants -- --exact --nocapture
TIX_ROUNDS="${TIX_ROUNDS:-10}" cargo test --release --locked --test integration \
  concurrency::a_hundred_parallel_writers_lose_nothing -- --exact --nocapture
TIX_DOCTOR_KILLS="${TIX_DOCTOR_KILLS:-100}" cargo test --release --locked --test integration \
  crash::doctor_killed_while_repairing_loses_no_bytes -- --exact --nocapture
