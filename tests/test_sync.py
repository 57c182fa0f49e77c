"""The library, the one-file `catdog.py` and the README are generated: they must match their sources."""
import ast, shutil, subprocess, sys
from pathlib import Path
import pytest
import catdog

ROOT = Path(__file__).resolve().parents[1]


def _tracked_copy(dest: Path):
    "Copy the files git sees (tracked + untracked, not ignored) into `dest`."
    files = subprocess.run(['git', 'ls-files', '-co', '--exclude-standard'], cwd=ROOT, capture_output=True,
                           text=True, check=True).stdout.split('\n')
    for f in filter(None, files):
        if (ROOT/f).is_file():
            (dest/f).parent.mkdir(parents=True, exist_ok=True); shutil.copy2(ROOT/f, dest/f)


def test_library_matches_notebooks(tmp_path):
    "Running nbdev_export on a copy of the repo leaves catdog/ unchanged."
    _tracked_copy(tmp_path)
    subprocess.run([sys.executable, '-c', 'from nbdev.doclinks import nbdev_export; nbdev_export()'],
                   cwd=tmp_path, check=True, capture_output=True)
    for f in sorted((tmp_path/'catdog').glob('*.py')):
        assert f.read_text() == (ROOT/'catdog'/f.name).read_text(), f"catdog/{f.name} differs from what the notebooks export"
    assert sorted(p.name for p in (tmp_path/'catdog').glob('*.py')) == sorted(p.name for p in (ROOT/'catdog').glob('*.py'))


def test_notebooks_are_clean(tmp_path):
    "`nbdev_clean` changes no notebook: no execution counts, no volatile metadata, the same JSON layout."
    for nb in (ROOT/'nbs').glob('*.ipynb'): shutil.copy2(nb, tmp_path/nb.name)
    subprocess.run([str(Path(sys.executable).parent/'nbdev_clean'), '--fname', str(tmp_path)], cwd=ROOT, check=True, capture_output=True)
    changed = [nb.name for nb in sorted((ROOT/'nbs').glob('*.ipynb')) if (tmp_path/nb.name).read_bytes() != nb.read_bytes()]
    assert not changed, f"run nbdev_clean on: {changed}"


def test_standalone_is_generated():
    "The committed catdog.py is exactly what write_standalone() produces from the library."
    assert (ROOT/'catdog.py').read_text() == catdog.standalone_source()


def test_docstrings_everywhere():
    "Every function and class, private and dunder ones included, of the library, catdog.py, tools/ and tests/ has a docstring."
    missing = []
    files = [*(ROOT/'catdog').glob('*.py'), ROOT/'catdog.py', *(ROOT/'tools').glob('*.py'), *(ROOT/'tests').glob('*.py')]
    for p in files:
        for n in ast.walk(ast.parse(p.read_text())):
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and not ast.get_docstring(n):
                missing.append(f"{p.relative_to(ROOT)}:{n.lineno} {n.name}")
    assert not missing, missing


def test_readme_commands_match_ci():
    "The test command in README.md is the one .ci/run runs."
    readme = (ROOT/'README.md').read_text()
    ci = (ROOT/'.ci'/'run').read_text()
    cmd = [l.strip() for l in ci.splitlines() if l.strip().startswith('python3 -m venv')]
    assert len(cmd) == 1 and cmd[0] in readme


def test_readme_is_generated_from_index():
    "README.md is what tools/readme.py makes of the executed nbs/index.ipynb."
    import importlib.util
    spec = importlib.util.spec_from_file_location('readme', ROOT/'tools'/'readme.py')
    mod = importlib.util.module_from_spec(spec); spec.loader.exec_module(mod)
    assert (ROOT/'README.md').read_text() == mod.readme_text(), 'run: python tools/readme.py'
