"""Execute notebooks in place with execnb, saving their outputs for the docs, skipping `#| slow` cells.

Slow cells (training, long experiments) write their results to models/ and results/; the cells after them
read those files, so a notebook re-executed without its slow cells still shows every table and figure. A slow
cell that is skipped keeps the outputs it had (the log of the run that last executed it).
Usage: python tools/run_nb.py nbs/01_cnn.ipynb [...] [--slow]   (--slow also runs the slow cells)
       python tools/run_nb.py nbs/02_adversarial.ipynb --slow=adversarial_transfer.csv,adversarial_example_rate.csv
       (runs only the slow cells whose source contains one of the comma-separated texts, e.g. the file they write)
       python -O tools/run_nb.py nbs/03_noise.ipynb --slow=noise_table.csv --no-guards
       (fastcore's test functions do nothing and, with -O, `assert`s are dropped: for producing new results whose
       prose and guards are then rewritten; run once more without --no-guards before committing)
"""
import re, sys, time
from pathlib import Path
from execnb.nbio import read_nb, write_nb
from execnb.shell import CaptureShell


def is_slow(cell) -> bool:
    "True for a code cell carrying the `#| slow` directive."
    return cell.cell_type == 'code' and re.search(r'^#\|\s*slow\s*$', cell.source, re.M) is not None


def no_eval(cell) -> bool:
    "True for a code cell carrying `#| eval: false` (never executed)."
    return cell.cell_type == 'code' and re.search(r'^#\|\s*eval:\s*false\s*$', cell.source, re.M) is not None


def wanted(cell, slow: bool | list[str]) -> bool:
    "Whether slow `cell` runs: all of them (`slow=True`), none (`False`), or those whose source contains a text of `slow`."
    return slow if isinstance(slow, bool) else any(t in cell.source for t in slow)


GUARDS = ('test_eq', 'test_close', 'test_ne', 'test_fail', 'test_eq_type', 'test_is', 'test_shuffled', 'test_stdout', 'test_warns')

def run(path: Path, slow: bool | list[str] = False, guards: bool = True) -> float:
    "Execute the notebook at `path` in its folder and write it back with outputs; return seconds taken. `guards=False`: fastcore's test functions are no-ops."
    nb, t0 = read_nb(path), time.time()
    skip = lambda c: no_eval(c) or (is_slow(c) and not wanted(c, slow))
    for c in nb.cells:  # a skipped slow cell keeps the outputs of the run that last executed it (its training log, say)
        if c.cell_type == 'code' and not (is_slow(c) and skip(c)): c.outputs, c.execution_count = [], None
    sh = CaptureShell(); sh.set_path(path.parent.resolve())
    if not guards:  # before the notebook's own `from fastcore.test import *`, which then imports the no-ops
        sh.run(f"import fastcore.test as _t\nfor _n in {GUARDS!r}: setattr(_t, _n, lambda *a, **k: None)")
    sh.run_all(nb, exc_stop=True, preproc=skip)
    write_nb(nb, path)
    return time.time() - t0


if __name__ == '__main__':
    args = [a for a in sys.argv[1:] if not a.startswith('--')]
    opt = next((a for a in sys.argv[1:] if a.startswith('--slow')), '')
    slow = opt.split('=', 1)[1].split(',') if '=' in opt else opt == '--slow'
    for a in args: print(f"{a}: {run(Path(a), slow, guards='--no-guards' not in sys.argv):.0f} s")
