"""Run a notebook's non-slow cells without writing it back, and list every failing guard (fastcore test_* and the
errors of cells) by cell id, without stopping at the first: for rewriting prose and guards after new results.
Usage: python tools/audit_guards.py nbs/03_noise.ipynb"""
import re, sys
from pathlib import Path
from execnb.nbio import read_nb
from execnb.shell import CaptureShell
p = Path(sys.argv[1]); nb = read_nb(p)
sh = CaptureShell(); sh.set_path(p.parent.resolve())
sh.run("""import fastcore.test as _t, functools as _f
_FAILS = []
def _wrap(fn):
    @_f.wraps(fn)
    def g(*a, **k):
        try: return fn(*a, **k)
        except AssertionError as e: _FAILS.append((_CELL, fn.__name__, str(e)[:300]))
    return g
for _n in ('test_eq', 'test_close', 'test_ne', 'test_is', 'test_eq_type'): setattr(_t, _n, _wrap(getattr(_t, _n)))
_CELL = None""")
slow = lambda c: c.cell_type == 'code' and (re.search(r'^#\|\s*slow\s*$', c.source, re.M) or re.search(r'^#\|\s*eval:\s*false', c.source, re.M))
for c in nb.cells:
    if c.cell_type != 'code' or slow(c): continue
    sh.run(f"_CELL = {c.id!r}")
    sh.run(c.source)
    if sh.exc: print(f"ERROR in {c.id}: {type(sh.exc).__name__}: {str(sh.exc)[:300]}", flush=True)
for o in sh.run("print('\\n'.join(f'FAIL {c} {n}: {m}' for c, n, m in _FAILS) or 'no failing guard')"): print(''.join(o.get('text', '')))
