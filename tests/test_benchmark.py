"""The ImageNet-C set is the same whatever the number of worker processes, and `import catdog` does not load the corruption package."""
import subprocess, sys
from pathlib import Path
import numpy as np
from catdog.benchmark import corrupted_set

ROOT = Path(__file__).resolve().parents[1]


def test_workers_make_the_same_pixels(tmp_path):
    "Two spawned worker processes corrupt every image exactly as the calling process does (each image carries its own seed)."
    kw = dict(n=6, types=('shot_noise', 'impulse_noise'), severities=(2, 4))
    here = corrupted_set(**kw, cache=tmp_path/'here')
    there = corrupted_set(**kw, cache=tmp_path/'there', workers=2)
    for t in kw['types']:
        assert np.array_equal(np.asarray(here.images[t]), np.asarray(there.images[t])), t


def test_import_stays_light():
    "The corruption package (and its numba and OpenCV) is imported only when a set is built."
    code = "import sys, catdog, catdog.benchmark; print('imagecorruptions' in sys.modules)"
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, cwd=ROOT, check=True).stdout
    assert out.strip() == 'False'
