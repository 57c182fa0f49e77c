"""Execute notebooks in place with execnb, saving their outputs for the docs, skipping `#| slow` cells.

Slow cells (training, long experiments) write their results to models/ and results/; the cells after them
read those files, so a notebook re-executed without its slow cells still shows every table and figure. A slow
cell that is skipped keeps the outputs it had (the log of the run that last executed it).
Usage: python tools/run_nb.py nbs/01_cnn.ipynb [...] [--slow]   (--slow also runs the slow cells)
       python tools/run_nb.py nbs/02_adversarial.ipynb --slow=adversarial_transfer.csv,adversarial_example_bar.csv
       (runs only the slow cells whose source contains one of the comma-separated texts, e.g. the file they write)
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


def run(path: Path, slow: bool | list[str] = False) -> float:
    "Execute the notebook at `path` in its folder and write it back with outputs; return seconds taken."
    nb, t0 = read_nb(path), time.time()
    skip = lambda c: no_eval(c) or (is_slow(c) and not wanted(c, slow))
    for c in nb.cells:  # a skipped slow cell keeps the outputs of the run that last executed it (its training log, say)
        if c.cell_type == 'code' and not (is_slow(c) and skip(c)): c.outputs, c.execution_count = [], None
    sh = CaptureShell(); sh.set_path(path.parent.resolve())
    sh.run_all(nb, exc_stop=True, preproc=skip)
    write_nb(nb, path)
    return time.time() - t0


if __name__ == '__main__':
    args = [a for a in sys.argv[1:] if not a.startswith('--')]
    opt = next((a for a in sys.argv[1:] if a.startswith('--slow')), '')
    slow = opt.split('=', 1)[1].split(',') if '=' in opt else opt == '--slow'
    for a in args: print(f"{a}: {run(Path(a), slow):.0f} s")
