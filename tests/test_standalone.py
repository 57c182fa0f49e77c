"""The one-file `catdog.py`: a command line and a module that agree with the package, even when copied away."""
import shutil, subprocess, sys
from pathlib import Path
import catdog

ROOT = Path(__file__).resolve().parents[1]


def _cli(args, cwd):
    "Run `python catdog.py ARGS` in `cwd`."
    return subprocess.run([sys.executable, 'catdog.py', *map(str, args)], cwd=cwd, capture_output=True, text=True)


def test_cli_agrees_with_package(valid_files):
    "`python catdog.py` prints the same label and probability as catdog.predict, one line per file."
    files = valid_files[:6]
    r = _cli(files, ROOT)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.strip().split('\n')
    assert len(lines) == len(files)
    for f, line in zip(files, lines):
        path, label, p = line.split('\t')
        want = catdog.predict(f)
        assert path == str(f) and label == want[0] and abs(float(p) - want[1]) < 1e-4


def test_cli_bad_file(valid_files, tmp_path):
    "A bad file gives a message naming it on stderr and exit code 1; good files are still printed."
    bad = tmp_path/'bad.png'; bad.write_text('nope')
    r = _cli([valid_files[0], bad], ROOT)
    assert r.returncode == 1 and 'bad.png' in r.stderr and len(r.stdout.strip().split('\n')) == 1


def test_copied_elsewhere(valid_files, tmp_path):
    "catdog.py copied into another folder with a model file works, and imports as a module there."
    shutil.copy(ROOT/'catdog.py', tmp_path)
    for suffix in ('.pt', '.json'): shutil.copy(ROOT/'models'/f'cnn{suffix}', tmp_path)
    r = _cli([valid_files[0]], tmp_path)
    assert r.returncode == 0, r.stderr
    want = catdog.predict(valid_files[0])
    assert r.stdout.split('\t')[1] == want[0]
    code = f"import catdog, sys; assert catdog.__file__.endswith('catdog.py'); print(catdog.predict(r'{valid_files[0]}'))"
    r = subprocess.run([sys.executable, '-c', code], cwd=tmp_path, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == str(want)


def test_repo_root_import_is_the_package():
    "From the repository root `import catdog` is the package, not the one-file module."
    r = subprocess.run([sys.executable, '-c', 'import catdog; print(catdog.__file__)'], cwd=ROOT, capture_output=True, text=True)
    assert r.stdout.strip().endswith('__init__.py')
