#!/usr/bin/env bash
# The switch's CPU work, in order, one torch job at a time; each step is skipped when its output exists, so the script
# can be started again after an interruption. Run from the worktree root in the background:
#   PYTHONPATH=$PWD nohup bash tools/switch_runs.sh /path/to/venv/bin/python > runs/switch_runs.log 2>&1 &
# (deleted at the merge with SWITCH_TODO.md)
set -euo pipefail
PY=${1:-.venv/bin/python}
export PYTHONPATH=$PWD
step() { local out=$1; shift; if [ -e "$out" ]; then echo "skip ($out exists): $*"; else echo "$(date +%T) start: $*"; "$@"; echo "$(date +%T) done: $*"; fi; }
nb() { $PY -O tools/run_nb.py "$@" --no-guards; }
py() { $PY -c "$1"; }
nbm() { local m=$1; shift; nb "$@" && touch "$m"; }   # a notebook whose slow cells rewrite files that already exist: a marker in runs/

# models the chapters expect in runs/ (from main's models/candidates)
mkdir -p runs/augmix_mixture runs/robust_4epochs
[ -e runs/augmix_mixture/augmix_mixture.pt ] || { cp models/candidates/robust_gen.pt runs/augmix_mixture/augmix_mixture.pt; cp results/augmix_mixture.json runs/augmix_mixture/augmix_mixture.json; }
[ -e runs/robust_4epochs/robust_4epochs.pt ] || [ ! -e models/candidates/gen/robust_4epochs.pt ] || cp models/candidates/gen/robust_4epochs.{pt,json} runs/robust_4epochs/
[ -e runs/augmix/augmix.pt ] || [ ! -e models/candidates/gen/augmix.pt ] || { mkdir -p runs/augmix; cp models/candidates/gen/augmix.{pt,json} runs/augmix/; }
mkdir -p runs/first_cnn/robust_4epochs   # 04's first-CNN teacher (its slow cells only)
[ -e runs/first_cnn/robust_4epochs/robust_4epochs.pt ] || { git show b81f75a:models/robust.pt > runs/first_cnn/robust_4epochs/robust_4epochs.pt; cp results/first_cnn/robust_4epochs.json runs/first_cnn/robust_4epochs/; }

# trainings
step runs/robust_4epochs/robust_4epochs.pt py "from catdog.noise import finetune_robust, MIXTURE; from catdog.data import PROJECT; import shutil
R4 = PROJECT/'runs'/'robust_4epochs'; finetune_robust('robust_4epochs', MIXTURE, out=R4, resume=True); shutil.copy(R4/'robust_4epochs.json', PROJECT/'results'/'robust_4epochs.json')"
step runs/augmix/augmix.pt py "from catdog.benchmark import finetune_augmix; finetune_augmix('augmix', base='cnn', epochs=8, resume=True)"

# chapters' slow cells (results/), then their prose and guards are rewritten by hand
step results/noise_table_robust.csv nb nbs/03_noise.ipynb --slow=noise_table.csv,noise_table_unnamed.csv,noise_table_robust.csv
step results/fourier_robust.csv nb nbs/03b_benchmark.ipynb "--slow=std_net = CatDogNet,cset = corrupted_set,bench = benchmark(,fourier_heatmap(catdog,augmix_throughput.csv,noise_table_{stem_}"
step results/student_seeds.csv nb nbs/04_distill.ipynb --slow=student_seeds.csv
step runs/done_02 nbm runs/done_02 nbs/02_adversarial.ipynb --slow
step runs/done_05 nbm runs/done_05 nbs/05_interpret.ipynb --slow
echo "$(date +%T) all done"
