"""Helpers of the command-line tests: run `catdog` in a fresh process, and a tiny labelled data set."""
import os, subprocess, sys, zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def catdog_cli(*args, cwd=None, env=None, timeout=600, **kw) -> subprocess.CompletedProcess:
    "Run `python -m catdog.cli ARGS` (the console script's code) in a fresh, one-thread process."
    e = {**os.environ, 'OMP_NUM_THREADS': '1', **(env or {})}
    return subprocess.run([sys.executable, '-m', 'catdog.cli', *map(str, args)], capture_output=True, text=True,
                          cwd=cwd or ROOT, env=e, timeout=timeout, **kw)


def make_tiny_data(dest: Path, n: int = 200) -> Path:
    "Copy the first n/2 cats and n/2 dogs of the Kaggle archive into `dest`/train (Kaggle names give the labels)."
    from catdog.data import data_source, find_images
    src = data_source()
    out = Path(dest)/'train'; out.mkdir(parents=True, exist_ok=True)
    if src.suffix.lower() == '.zip':
        with zipfile.ZipFile(src) as z:
            names = sorted(z.namelist())
            for cls in ('cat', 'dog'):
                picked = [m for m in names if Path(m).name.startswith(f'{cls}.')][:n // 2]
                for m in picked: (out/Path(m).name).write_bytes(z.read(m))
    else:
        files = list(find_images(src))
        for cls in ('cat', 'dog'):
            for f in [f for f in files if f.name.startswith(f'{cls}.')][:n // 2]: (out/f.name).write_bytes(f.read_bytes())
    return Path(dest)


_SITE = []


def built_site() -> Path:
    "Build the docs site once per test session with `catdog docs` (in a fresh process) and return `_proc/_docs`."
    if not _SITE:
        r = catdog_cli('docs', timeout=900)
        assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-3000:]
        _SITE.append(ROOT/'_proc'/'_docs')
    return _SITE[0]


def headless_chromium(webdriver, chromium: str, driver: str, window: str = '1280,1000', page_load_timeout: int = 60):
    "Start headless Chromium with a fresh profile, no network services of its own, logging the console; yield it, then clean up."
    import shutil, tempfile
    opts = webdriver.ChromeOptions()
    opts.binary_location = chromium
    profile = tempfile.mkdtemp(prefix='catdog-chromium-')
    for a in ('--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
              '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage', f'--user-data-dir={profile}',
              f'--window-size={window}'):
        opts.add_argument(a)
    opts.set_capability('goog:loggingPrefs', {'browser': 'ALL'})
    d = webdriver.Chrome(options=opts, service=webdriver.ChromeService(executable_path=driver))
    d.set_page_load_timeout(page_load_timeout)
    try: yield d
    finally: d.quit(); shutil.rmtree(profile, ignore_errors=True)


def severe_entries(d) -> list:
    "The browser console's SEVERE entries since the last call."
    return [e for e in d.get_log('browser') if e['level'] == 'SEVERE']
