"""`python -m build` makes a wheel with the shipped models; installed in a fresh environment, catdog predicts outside the repository."""
import os, shutil, subprocess, sys, site, zipfile
from pathlib import Path
import pytest
from cli_helpers import ROOT


def _repo_copy(dest: Path):
    "Copy the files git sees (tracked + untracked, not ignored): the wheel is built from a clean tree, as in a fresh clone."
    files = subprocess.run(['git', 'ls-files', '-co', '--exclude-standard'], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    for f in filter(None, files.split('\n')):
        if (ROOT/f).is_file(): (dest/f).parent.mkdir(parents=True, exist_ok=True); shutil.copy2(ROOT/f, dest/f)


def test_wheel_installs_and_predicts(tmp_path, sure_images):
    "The wheel holds catdog/models/*.pt|json and the console script; a fresh venv predicts from another folder with both."
    src = tmp_path/'src'; _repo_copy(src)
    r = subprocess.run([sys.executable, '-m', 'build', '--wheel', '--no-isolation', '--outdir', tmp_path/'dist'],
                       cwd=src, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    whl, = (tmp_path/'dist').glob('catdog-*.whl')
    names = zipfile.ZipFile(whl).namelist()
    shipped = sorted(p.name for p in (ROOT/'models').glob('*.pt') if p.with_suffix('.json').exists())
    for m in shipped: assert f'catdog/models/{m}' in names and f"catdog/models/{m.replace('.pt', '.json')}" in names, m
    onnx = sorted(p.name for p in (ROOT/'models').glob('*.onnx') if p.with_suffix('.json').exists())
    assert onnx and all(f'catdog/models/{m}' in names for m in onnx), onnx
    assert 'catdog/cli.py' in names
    ep = next(n for n in names if n.endswith('entry_points.txt'))
    assert 'catdog = catdog.cli:main' in zipfile.ZipFile(whl).read(ep).decode()

    # a fresh venv whose dependencies (torch, ...) come from this one's site-packages through a .pth file
    venv = tmp_path/'venv'
    subprocess.run([sys.executable, '-m', 'venv', '--without-pip', venv], check=True)
    py = venv/'bin'/'python'
    purelib = Path(subprocess.run([py, '-c', 'import sysconfig; print(sysconfig.get_paths()["purelib"])'],
                                  capture_output=True, text=True, check=True).stdout.strip())
    (purelib/'_catdog_test_deps.pth').write_text('\n'.join(site.getsitepackages()) + '\n')
    # --force-reinstall: a catdog visible through the .pth file or PYTHONPATH (an editable install, a stray egg-info) must not stand in for the wheel
    r = subprocess.run([sys.executable, '-m', 'pip', '--python', py, 'install', '-q', '--no-deps', '--no-index', '--force-reinstall', whl],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-2000:]

    elsewhere = tmp_path/'elsewhere'; elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ('PYTHONPATH', 'CATDOG_MODELS')} | {'OMP_NUM_THREADS': '1'}
    img = sure_images['dog']
    code = f"import catdog; print(catdog.__file__); print(catdog.model_path()); print(catdog.predict(r'{img}')[0])"
    r = subprocess.run([py, '-c', code], cwd=elsewhere, env=env, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-2000:]
    file, model, label = r.stdout.split()
    assert file.startswith(str(venv)) and model.startswith(str(venv)) and label == 'dog', r.stdout
    r = subprocess.run([venv/'bin'/'catdog', 'predict', '--json', img], cwd=elsewhere, env=env, capture_output=True, text=True)
    assert r.returncode == 0 and '"dog"' in r.stdout, r.stderr[-2000:]
